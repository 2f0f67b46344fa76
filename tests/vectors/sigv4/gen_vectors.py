#!/usr/bin/python3
"""Generate tests/vectors/sigv4/vectors.json with botocore's own signers.

Each vector is a request as it goes on the wire after botocore signed it
(SigV4Auth: Authorization header; SigV4QueryAuth: presigned query), with the
credentials, the fixed signing time, and botocore's canonical request, string
to sign and signature, so that tests/unit/test_sigv4.c can check that
iam_sigv4_parse/verify accept exactly what botocore sends and that
iam_sigv4_sign reproduces it.

Run with the Debian botocore:  /usr/bin/python3 tests/vectors/sigv4/gen_vectors.py
The output is deterministic (fixed credentials, fixed time, sorted keys).
"""
import calendar
import datetime
import json
import os
import types
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

FIXED = datetime.datetime(2024, 5, 1, 12, 34, 56)
EPOCH = calendar.timegm(FIXED.timetuple())


class FixedDatetime(datetime.datetime):
    """botocore.auth calls datetime.datetime.utcnow(); freeze it."""

    @classmethod
    def utcnow(cls):
        return FIXED


# Replace the module botocore.auth sees, as botocore's own tests mock it.
botocore.auth.datetime = types.SimpleNamespace(datetime=FixedDatetime, timezone=datetime.timezone)

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN_AKID = "ASIAIOSFODNN7EXAMPLE"
TOKEN_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
TOKEN = ("IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token+with/slashes+and=="
         "AQoDYXdzEJr1K2NfG2example")

FORM_CT = "application/x-www-form-urlencoded; charset=utf-8"
POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
          '"Resource":"arn:aws:s3:::my-bucket/*","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}]}')


def form(params):
    return percent_encode_sequence(params)


def recording(cls):
    """A signer subclass that keeps the canonical request and string to sign
    it computed while signing (recomputing them afterwards would see the
    Authorization header and X-Amz-Signature it added)."""

    class Recording(cls):
        def canonical_request(self, request):
            self.last_canonical = super().canonical_request(request)
            return self.last_canonical

        def string_to_sign(self, request, canonical_request):
            self.last_sts = super().string_to_sign(request, canonical_request)
            return self.last_sts

    return Recording


def vec(name, method, host, path, query_params=None, headers=None, body=b"", region="us-east-1",
        service="iam", presign=False, expires=None, token=False, raw_query=None):
    akid, secret = (TOKEN_AKID, TOKEN_SECRET) if token else (AKID, SECRET)
    creds = Credentials(akid, secret, TOKEN if token else None)
    query = raw_query if raw_query is not None else (form(query_params) if query_params else "")
    url = "https://" + host + path + ("?" + query if query else "")
    req = AWSRequest(method=method, url=url, data=body)
    req.headers["Host"] = host
    for k, v in headers or []:
        req.headers[k] = v  # HTTPHeaders: a repeated name is appended, not replaced
    unsigned_query = query
    if presign:
        signer = recording(botocore.auth.SigV4QueryAuth)(creds, service, region, expires=expires)
    else:
        signer = recording(botocore.auth.SigV4Auth)(creds, service, region)
    signer.add_auth(req)
    canonical, sts = signer.last_canonical, signer.last_sts
    prepared = req.prepare()
    parts = urlsplit(prepared.url)
    body_bytes = prepared.body or b""
    if isinstance(body_bytes, str):
        body_bytes = body_bytes.encode()
    # The request's own HTTPHeaders keep repeated names (prepare() does not).
    wire_headers = [[k, v] for k, v in req.headers.items()]
    if presign:
        unsigned_query = parts.query[: parts.query.index("X-Amz-Algorithm=")].rstrip("&")
        signature = parts.query.rsplit("X-Amz-Signature=", 1)[1]
        authorization = ""
    else:
        authorization = req.headers["Authorization"]
        signature = authorization.rsplit("Signature=", 1)[1]
    return {
        "name": name,
        "form": "presigned" if presign else "header",
        "method": method,
        "path": parts.path,
        "query": parts.query,
        "unsigned_query": unsigned_query,
        "headers": wire_headers,
        "body": body_bytes.decode("utf-8"),
        "access_key_id": akid,
        "secret": secret,
        "session_token": TOKEN if token else "",
        "region": region,
        "service": service,
        "time": EPOCH,
        "amz_date": FIXED.strftime("%Y%m%dT%H%M%SZ"),
        "expires": expires or 0,
        "canonical_request": canonical,
        "string_to_sign": sts,
        "signature": signature,
        "authorization": authorization,
    }


IAM = "iam.amazonaws.com"
STS = "sts.amazonaws.com"


def vectors():
    v = []
    ct = [("Content-Type", FORM_CT)]
    v.append(vec("iam_create_user", "POST", IAM, "/", headers=ct,
                 body=form([("Action", "CreateUser"), ("UserName", "bob"), ("Version", "2010-05-08")])))
    v.append(vec("iam_put_user_policy", "POST", IAM, "/", headers=ct,
                 body=form([("Action", "PutUserPolicy"), ("PolicyDocument", POLICY), ("PolicyName", "read-home"),
                            ("UserName", "bob"), ("Version", "2010-05-08")])))
    v.append(vec("iam_tag_user", "POST", IAM, "/", headers=ct,
                 body=form([("Action", "TagUser"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "a b&c"),
                            ("Tags.member.2.Key", "cost-center"), ("Tags.member.2.Value", "héllo/✓"),
                            ("UserName", "bob"), ("Version", "2010-05-08")])))
    v.append(vec("sts_get_caller_identity", "POST", STS, "/", headers=ct, service="sts",
                 body=form([("Action", "GetCallerIdentity"), ("Version", "2011-06-15")])))
    v.append(vec("sts_assume_role_session_token", "POST", STS, "/", headers=ct, service="sts", token=True,
                 body=form([("Action", "AssumeRole"), ("RoleArn", "arn:aws:iam::123456789012:role/demo"),
                            ("RoleSessionName", "s1"), ("Version", "2011-06-15")])))
    v.append(vec("sts_regional_endpoint", "POST", "sts.eu-west-1.amazonaws.com", "/", headers=ct, service="sts",
                 region="eu-west-1", body=form([("Action", "GetCallerIdentity"), ("Version", "2011-06-15")])))
    v.append(vec("get_list_users", "GET", IAM, "/",
                 query_params=[("Action", "ListUsers"), ("MaxItems", "10"), ("Version", "2010-05-08")]))
    v.append(vec("get_unicode_space", "GET", IAM, "/",
                 query_params=[("Action", "GetUser"), ("UserName", "héllo wörld ✓"), ("Version", "2010-05-08")]))
    v.append(vec("get_reserved_chars", "GET", IAM, "/",
                 query_params=[("Marker", "a+b=c&d/e?f#g~h*i'j(k)l!m$n,o;p:q@r[s]t%u"), ("Action", "ListUsers")]))
    v.append(vec("get_repeated_names", "GET", IAM, "/", query_params=[("b", "2"), ("a", "2"), ("a", "1"), ("a", "")]))
    v.append(vec("get_empty_values", "GET", IAM, "/", raw_query="flag&empty=&Action=ListUsers"))
    v.append(vec("get_sort_by_encoded_name", "GET", IAM, "/",
                 query_params=[("a_b", "1"), ("a-b", "2"), ("a.b", "3"), ("a~b", "4"), ("A", "5"), ("a b", "6")]))
    v.append(vec("path_with_spaces", "GET", IAM, "/a%20b/c%20d"))
    v.append(vec("path_encoded_slash", "GET", IAM, "/foo%2Fbar/baz"))
    v.append(vec("path_dot_segments", "GET", IAM, "/a/./b/../c//d/"))
    v.append(vec("path_unreserved", "GET", IAM, "/~user/a-b_c.d/%7Etilde"))
    v.append(vec("header_whitespace", "POST", IAM, "/", headers=ct + [("X-Amz-Meta-Test", "  a   b\t c  "),
                                                                        ("X-Custom", "value")],
                 body=form([("Action", "ListUsers"), ("Version", "2010-05-08")])))
    v.append(vec("header_duplicates", "GET", IAM, "/", headers=[("X-Dup", "b"), ("X-Dup", " a  z "),
                                                                 ("User-Agent", "aws-cli/2.15.0 not-signed")],
                 query_params=[("Action", "ListUsers")]))
    body = form([("Action", "ListRoles"), ("Version", "2010-05-08")])
    import hashlib
    v.append(vec("content_sha256_header", "POST", IAM, "/",
                 headers=ct + [("X-Amz-Content-SHA256", hashlib.sha256(body.encode()).hexdigest())], body=body))
    v.append(vec("post_query_and_body", "POST", IAM, "/", headers=ct, query_params=[("Action", "ListUsers")],
                 body=form([("MaxItems", "5"), ("Version", "2010-05-08")])))
    # aws eks get-token / aws-iam-authenticator: a presigned GetCallerIdentity
    # with the cluster id signed as a header, valid 60 seconds.
    v.append(vec("presigned_eks_get_token", "GET", STS, "/", service="sts", presign=True, expires=60,
                 query_params=[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
                 headers=[("x-k8s-aws-id", "my-cluster")]))
    v.append(vec("presigned_session_token", "GET", "sts.us-west-2.amazonaws.com", "/", service="sts",
                 region="us-west-2", presign=True, expires=900, token=True,
                 query_params=[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
                 headers=[("x-k8s-aws-id", "prod cluster")]))
    v.append(vec("presigned_iam_get_user", "GET", IAM, "/", presign=True, expires=3600,
                 query_params=[("Action", "GetUser"), ("UserName", "a b+c"), ("Version", "2010-05-08")]))
    return v


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")
    doc = {
        "generator": "tests/vectors/sigv4/gen_vectors.py with botocore " + botocore.__version__,
        "vectors": vectors(),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("wrote %d vectors to %s" % (len(doc["vectors"]), out))


if __name__ == "__main__":
    main()

"""Shared helpers for the iamd end-to-end tests (imported by the test files).

Everything here talks to iamd the way an AWS user would: through boto3 /
botocore (including botocore's own SigV4 signer for raw requests) and the
`aws` CLI. Nothing reaches into iamd's data directory except the files the
`iamd init` / `iamd account create` contract says are written there.
"""
import contextlib
import datetime
import http.client
import json
import types
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from unittest import mock

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
REGION = "us-east-1"
FORM_CT = "application/x-www-form-urlencoded; charset=utf-8"

AWS_READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
AWS_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def uname(prefix="e2e"):
    """A unique, valid IAM name (letters, digits, '-')."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def policy(*statements):
    """An identity policy document (dict) from statement dicts."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    st = {"Effect": "Allow", "Action": action, "Resource": resource}
    st.update(extra)
    return st


def deny(action, resource="*", **extra):
    st = {"Effect": "Deny", "Action": action, "Resource": resource}
    st.update(extra)
    return st


def doc(d):
    return d if isinstance(d, str) else json.dumps(d)


def trust_service(service="ec2.amazonaws.com"):
    return policy({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def trust_aws(principals, actions="sts:AssumeRole", condition=None):
    """A role trust policy allowing the AWS principal(s) `principals` (ARN,
    account id or list of them) the action(s) `actions`."""
    st = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": actions}
    if condition:
        st["Condition"] = condition
    return policy(st)


def session_creds(reply):
    """(access key id, secret, session token) from an STS reply carrying
    Credentials (AssumeRole, GetSessionToken)."""
    c = reply["Credentials"]
    return (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


# --------------------------------------------------------------------------
# errors


@contextlib.contextmanager
def aws_error(code, status=None, message_contains=None):
    """Asserts the block raises botocore's ClientError with Error.Code `code`
    (a string or a tuple of acceptable codes) and the HTTP status `status`
    (an int or a tuple). Yields the pytest ExceptionInfo."""
    with pytest.raises(ClientError) as ei:
        yield ei
    err = ei.value.response.get("Error", {})
    got_code = err.get("Code")
    got_status = ei.value.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    codes = code if isinstance(code, tuple) else (code,)
    assert got_code in codes, f"expected error code {codes}, got {got_code!r}: {err}"
    if status is not None:
        statuses = status if isinstance(status, tuple) else (status,)
        assert got_status in statuses, f"expected HTTP {statuses}, got {got_status} ({got_code})"
    if message_contains is not None:
        assert message_contains.lower() in (err.get("Message") or "").lower(), err


def error_of(exc):
    """(code, status, message) of a ClientError."""
    r = exc.response
    return (r.get("Error", {}).get("Code"), r.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            r.get("Error", {}).get("Message") or "")


def paginate(client, op, key, **kw):
    """Collects `key` over every page of a paginated IAM list operation."""
    out = []
    for page in client.get_paginator(op).paginate(**kw):
        out.extend(page.get(key, []))
    return out


# --------------------------------------------------------------------------
# raw HTTP (botocore's signer, http.client for sending)


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict with lower-cased names
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def xml(self):
        return ET.fromstring(self.body)

    def error(self):
        """Parses an AWS query-protocol ErrorResponse. Returns a dict with
        root_tag, ns, type, code, message, request_id."""
        root = self.xml()
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
        err = root.find(q("Error"))
        assert err is not None, f"no Error element in: {self.text[:500]}"

        def txt(el, tag):
            x = el.find(q(tag))
            return x.text if x is not None else None

        return {
            "root_tag": root.tag.split("}")[-1],
            "ns": ns,
            "type": txt(err, "Type"),
            "code": txt(err, "Code"),
            "message": txt(err, "Message"),
            "request_id": txt(root, "RequestId"),
        }

    def __repr__(self):
        return f"<RawResponse {self.status} {self.text[:300]!r}>"


class _FixedDatetime(datetime.datetime):
    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


@contextlib.contextmanager
def signing_clock(when):
    """Makes botocore's signers believe the current UTC time is `when`."""
    cls = type("FixedDT", (_FixedDatetime,), {"fixed": when})
    fake = types.SimpleNamespace(datetime=cls)
    with mock.patch.object(botocore.auth, "datetime", fake):
        yield


class _ShiftedDatetime(datetime.datetime):
    offset = datetime.timedelta(0)

    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcnow() + cls.offset


@contextlib.contextmanager
def shifted_signing_clock(offset_seconds):
    """Makes botocore's signers run `offset_seconds` ahead of the real UTC
    time (for a server whose clock is shifted the same way). Covers the
    clients too: with awscrt installed, boto3 clients sign through
    botocore.crt.auth rather than botocore.auth."""
    cls = type("ShiftedDT", (_ShiftedDatetime,), {"offset": datetime.timedelta(seconds=offset_seconds)})
    fake = types.SimpleNamespace(datetime=cls, timezone=datetime.timezone, timedelta=datetime.timedelta)
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(botocore.auth, "datetime", fake))
        try:
            import botocore.crt.auth as crt_auth
        except ImportError:
            crt_auth = None
        if crt_auth is not None and hasattr(crt_auth, "datetime"):
            stack.enter_context(mock.patch.object(crt_auth, "datetime", fake))
        yield


def encode_params(params):
    if isinstance(params, (bytes, bytearray)):
        return bytes(params)
    if isinstance(params, str):
        return params.encode()
    return urllib.parse.urlencode(params).encode()


def build_signed(endpoint, params, creds, method="POST", headers=None, when=None,
                 content_type=FORM_CT, service="iam", region=REGION):
    """Returns a prepared botocore request (url, headers, body) signed with
    SigV4 in the Authorization header. creds is (access_key, secret) or None
    for an unsigned request."""
    body = encode_params(params)
    url = endpoint.rstrip("/") + "/"
    hdrs = dict(headers or {})
    if method == "GET":
        if body:
            url += "?" + body.decode("latin-1")
        body = b""
    elif content_type is not None:
        hdrs.setdefault("Content-Type", content_type)
    req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
    if creds is not None:
        auth = botocore.auth.SigV4Auth(Credentials(creds[0], creds[1]), service, region)
        if when is not None:
            with signing_clock(when):
                auth.add_auth(req)
        else:
            auth.add_auth(req)
    return req.prepare()


def presign(endpoint, params, creds, expires=60, when=None, region=REGION):
    """A SigV4 query-string (presigned) GET URL."""
    url = endpoint.rstrip("/") + "/?" + urllib.parse.urlencode(params)
    req = AWSRequest(method="GET", url=url, data=b"", headers={})
    auth = botocore.auth.SigV4QueryAuth(Credentials(creds[0], creds[1]), "iam", region, expires=expires)
    if when is not None:
        with signing_clock(when):
            auth.add_auth(req)
    else:
        auth.add_auth(req)
    return req.prepare().url


def send(url, method="GET", body=b"", headers=None, timeout=15):
    """Sends one request with http.client; returns a RawResponse."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        # Content-Length always describes the body actually sent: a test
        # that alters a signed body must not send the old length, or the
        # server would read exactly the original bytes.
        hdrs = {k: v for k, v in (headers or {}).items() if k.lower() != "content-length"}
        conn.request(method, path, body=body if body else None, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return RawResponse(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def send_prepared(prep, timeout=15):
    return send(prep.url, prep.method, prep.body or b"", dict(prep.headers.items()), timeout=timeout)


def raw_call(endpoint, params, creds, **kw):
    """Signs (when creds is not None) and sends one IAM Query API request."""
    timeout = kw.pop("timeout", 15)
    return send_prepared(build_signed(endpoint, params, creds, **kw), timeout=timeout)


def assert_aws_error(resp, code=None, status=None):
    """Checks a RawResponse is a well-formed IAM ErrorResponse; returns it parsed."""
    if status is not None:
        statuses = status if isinstance(status, tuple) else (status,)
        assert resp.status in statuses, resp
    else:
        assert 400 <= resp.status < 500, resp
    e = resp.error()
    assert e["root_tag"] == "ErrorResponse", resp
    assert e["code"], resp
    if code is not None:
        codes = code if isinstance(code, tuple) else (code,)
        assert e["code"] in codes, f"expected {codes}, got {e['code']}: {e['message']}"
    return e


def http_get(url, timeout=2.0):
    """(status, body) of a plain GET; status 0 on connection failure."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""

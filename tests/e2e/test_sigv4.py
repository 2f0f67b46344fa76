"""SigV4 authentication on the wire: botocore's own signers (SigV4Auth,
SigV4QueryAuth) build the requests, http.client sends them."""
import datetime

import pytest

from e2e_helpers import IAM_NS, assert_aws_error, build_signed, presign, raw_call, send, send_prepared, uname

LIST = {"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "1"}


def _now():
    return datetime.datetime.utcnow()


def test_signed_post_works(iamd):
    r = raw_call(iamd.endpoint, LIST, iamd.admin_creds)
    assert r.status == 200, r
    root = r.xml()
    assert root.tag == f"{{{IAM_NS}}}ListUsersResponse"
    assert root.find(f"{{{IAM_NS}}}ListUsersResult") is not None
    rid = root.find(f"{{{IAM_NS}}}ResponseMetadata/{{{IAM_NS}}}RequestId")
    assert rid is not None and rid.text
    assert r.headers.get("x-amzn-requestid") == rid.text
    assert r.headers.get("content-type", "").startswith("text/xml")


def test_signed_get_with_query_string(iamd):
    r = raw_call(iamd.endpoint, {"Action": "GetUser", "Version": "2010-05-08"}, iamd.admin_creds, method="GET")
    assert r.status == 200, r
    name = r.xml().find(f"{{{IAM_NS}}}GetUserResult/{{{IAM_NS}}}User/{{{IAM_NS}}}UserName")
    assert name is not None and name.text == "admin"


def test_error_response_shape(iamd):
    r = raw_call(iamd.endpoint, {"Action": "GetUser", "Version": "2010-05-08", "UserName": uname("ghost")},
                 iamd.admin_creds)
    assert r.status == 404
    e = assert_aws_error(r, "NoSuchEntity", 404)
    assert e["ns"] == IAM_NS
    assert e["type"] == "Sender"
    assert e["message"]
    assert e["request_id"]
    assert r.headers.get("x-amzn-requestid") == e["request_id"]
    assert r.headers.get("content-type", "").startswith("text/xml")


def test_request_ids_are_unique(iamd):
    ids = {raw_call(iamd.endpoint, LIST, iamd.admin_creds).headers.get("x-amzn-requestid") for _ in range(5)}
    assert None not in ids and len(ids) == 5


def test_wrong_secret(iamd):
    ak, sk = iamd.admin_creds
    bad = sk[:-1] + ("A" if sk[-1] != "A" else "B")
    r = raw_call(iamd.endpoint, LIST, (ak, bad))
    e = assert_aws_error(r, "SignatureDoesNotMatch", 403)
    assert e["type"] == "Sender"
    assert sk not in r.text and bad not in r.text


def test_unknown_access_key(iamd):
    r = raw_call(iamd.endpoint, LIST, ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    e = assert_aws_error(r, "InvalidClientTokenId", 403)
    assert "security token" in e["message"].lower()


def test_no_auth(iamd):
    r = raw_call(iamd.endpoint, LIST, None)
    assert_aws_error(r, "MissingAuthenticationToken", 403)


def test_stale_date_header(iamd):
    """AWS's query services answer a request signed >15 min ago with
    403 SignatureDoesNotMatch 'Signature expired: ... is now earlier than ...'."""
    prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds, when=_now() - datetime.timedelta(minutes=20))
    e = assert_aws_error(send_prepared(prep), "SignatureDoesNotMatch", 403)
    assert e["message"].startswith("Signature expired:"), e["message"]


def test_future_date_header(iamd):
    prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds, when=_now() + datetime.timedelta(minutes=20))
    e = assert_aws_error(send_prepared(prep), "SignatureDoesNotMatch", 403)
    assert e["message"].startswith("Signature not yet current:"), e["message"]


def test_slightly_skewed_date_is_fine(iamd):
    prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds, when=_now() - datetime.timedelta(minutes=4))
    assert send_prepared(prep).status == 200


def test_tampered_body(iamd):
    name = uname("tamper")
    prep = build_signed(iamd.endpoint, {"Action": "CreateUser", "Version": "2010-05-08", "UserName": name},
                        iamd.admin_creds)
    body = prep.body.replace(name.encode(), (name + "x").encode())
    r = send(prep.url, "POST", body, dict(prep.headers.items()))
    assert_aws_error(r, "SignatureDoesNotMatch", 403)
    for n in (name, name + "x"):
        assert raw_call(iamd.endpoint, {"Action": "GetUser", "Version": "2010-05-08", "UserName": n},
                        iamd.admin_creds).status == 404


def test_tampered_signed_header(iamd):
    prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds)
    h = dict(prep.headers.items())
    d = h["X-Amz-Date"]
    h["X-Amz-Date"] = d[:-3] + ("00Z" if not d.endswith("00Z") else "01Z")
    assert_aws_error(send(prep.url, "POST", prep.body, h), "SignatureDoesNotMatch", 403)


def test_wrong_region_or_service_in_scope(iamd):
    r = raw_call(iamd.endpoint, LIST, iamd.admin_creds, service="s3")
    assert_aws_error(r, ("SignatureDoesNotMatch", "InvalidClientTokenId", "IncompleteSignature"), (400, 403))


@pytest.mark.parametrize("auth", [
    "AWS4-HMAC-SHA256 garbage",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/iam/aws4_request",
    "AWS4-HMAC-SHA256",
])
def test_garbled_authorization_header(iamd, auth):
    prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds)
    h = dict(prep.headers.items())
    h["Authorization"] = auth
    assert_aws_error(send(prep.url, "POST", prep.body, h), "IncompleteSignature", 400)


def test_presigned_get_url(iamd):
    url = presign(iamd.endpoint, {"Action": "ListUsers", "Version": "2010-05-08"}, iamd.admin_creds, expires=60)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    r = send(url)
    assert r.status == 200, r
    assert r.xml().tag == f"{{{IAM_NS}}}ListUsersResponse"


def test_presigned_url_expired(iamd):
    """Signed 5 minutes ago, valid for 60 s: past X-Amz-Expires although
    within the 15-minute clock-skew window. AWS refuses it as expired."""
    url = presign(iamd.endpoint, {"Action": "ListUsers", "Version": "2010-05-08"}, iamd.admin_creds,
                  expires=60, when=_now() - datetime.timedelta(minutes=5))
    e = assert_aws_error(send(url), ("AccessDenied", "RequestExpired", "SignatureDoesNotMatch"), (400, 403))
    assert "expired" in e["message"].lower(), e


def test_presigned_url_tampered(iamd):
    url = presign(iamd.endpoint, {"Action": "ListUsers", "Version": "2010-05-08"}, iamd.admin_creds)
    assert_aws_error(send(url.replace("Action=ListUsers", "Action=ListRoles")), "SignatureDoesNotMatch", 403)


def test_presigned_wrong_secret(iamd):
    url = presign(iamd.endpoint, {"Action": "ListUsers", "Version": "2010-05-08"},
                  (iamd.admin_creds[0], "x" * 40))
    assert_aws_error(send(url), "SignatureDoesNotMatch", 403)


def test_keep_alive_connection_serves_several_requests(iamd):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", iamd.port, timeout=10)
    try:
        for _ in range(3):
            prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds)
            conn.request("POST", "/", body=prep.body, headers=dict(prep.headers.items()))
            r = conn.getresponse()
            r.read()
            assert r.status == 200
    finally:
        conn.close()


def test_unsigned_payload_header_refused_for_iam(iamd):
    # IAM signs the payload; a request whose x-amz-content-sha256 disagrees
    # with the body must not pass.
    prep = build_signed(iamd.endpoint, LIST, iamd.admin_creds,
                        headers={"X-Amz-Content-Sha256": "0" * 64})
    r = send_prepared(prep)
    assert r.status in (400, 403), r

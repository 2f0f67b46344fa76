"""AssumeRoleWithWebIdentity end to end: JWTs made here (python3-jwt, python3-cryptography) with an RSA and
an EC key generated here, for an OIDC provider created with boto3 whose keys are set with
`iamd oidc set-jwks` (an admin command: a running server uses them after a restart, so the module's own
server is stopped, given the keys, and started again). The call is unsigned: boto3 sends it without
credentials. Each bad token is refused with AWS's error.
"""
import base64
import hashlib
import hmac
import json
import subprocess
import time

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from conftest import iamd_bin
from e2e_helpers import REGION, aws_error, policy, session_creds, uname

jwt = pytest.importorskip("jwt")  # python3-jwt
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

HOST_PATH = "issuer.example.test/path"
ISSUER = f"https://{HOST_PATH}"
SUB = "system:serviceaccount:ns:sa"
RSA_KID, EC_KID = "rsa-1", "ec-1"


def jwks_of(rsa_key, ec_key):
    """The public JWKS of both keys."""
    keys = []
    for k, alg, kid, cls in ((rsa_key, "RS256", RSA_KID, jwt.algorithms.RSAAlgorithm),
                             (ec_key, "ES256", EC_KID, jwt.algorithms.ECAlgorithm)):
        j = json.loads(cls.to_jwk(k.public_key()))
        j.update({"kid": kid, "alg": alg, "use": "sig"})
        keys.append(j)
    return {"keys": keys}


def set_jwks(env, provider_arn, jwks, tmp):
    """Stops the server, sets the provider's keys with the admin command, starts it again."""
    path = tmp / "jwks.json"
    path.write_text(json.dumps(jwks))
    env.server.stop()
    p = subprocess.run([iamd_bin(), "oidc", "set-jwks", "--data-dir", env.data_dir, "--provider-arn",
                        provider_arn, "--jwks-file", str(path)], capture_output=True, text=True, timeout=60)
    env.server.start().wait_healthy()
    assert p.returncode == 0, f"iamd oidc set-jwks -> {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def web(iamd_factory, tmp_path_factory):
    env = iamd_factory("web-identity")
    tmp = tmp_path_factory.mktemp("web-identity")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    admin = env.iam()
    provider_arn = admin.create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=["sts.amazonaws.com", "my-aud"],
        ThumbprintList=["0123456789abcdef0123456789abcdef01234567"])["OpenIDConnectProviderArn"]
    assert provider_arn == f"arn:aws:iam::{env.account_id}:oidc-provider/{HOST_PATH}"
    set_jwks(env, provider_arn, jwks_of(rsa_key, ec_key), tmp)
    trust = policy({"Effect": "Allow", "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{HOST_PATH}:sub": SUB, f"{HOST_PATH}:aud": "my-aud"}}})
    role = env.new_role(trust)
    # boto3 without any credentials: AssumeRoleWithWebIdentity is unsigned.
    sts = boto3.client("sts", endpoint_url=env.endpoint, region_name=REGION,
                       config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    return {"env": env, "rsa": rsa_key, "ec": ec_key, "provider_arn": provider_arn, "role": role,
            "sts": sts, "tmp": tmp}


def claims(**over):
    now = int(time.time())
    c = {"iss": ISSUER, "sub": SUB, "aud": "my-aud", "iat": now, "nbf": now, "exp": now + 600}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def token(web, alg="RS256", kid=None, **over):
    key = web["rsa"] if alg == "RS256" else web["ec"]
    return jwt.encode(claims(**over), key, algorithm=alg,
                      headers={"kid": kid or (RSA_KID if alg == "RS256" else EC_KID)})


def assume(web, tok, session="web-session", client=None, **kw):
    return (client or web["sts"]).assume_role_with_web_identity(
        RoleArn=web["role"]["arn"], RoleSessionName=session, WebIdentityToken=tok, **kw)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_good_token_gives_working_credentials(web, alg):
    env, role = web["env"], web["role"]
    r = assume(web, token(web, alg), session=f"s-{alg}")
    assert r["SubjectFromWebIdentityToken"] == SUB
    assert r["Audience"] == "my-aud"
    assert r["Provider"] == web["provider_arn"]
    assert r["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{env.account_id}:assumed-role/{role['name']}/s-{alg}"
    assert r["AssumedRoleUser"]["AssumedRoleId"] == f"{role['role_id']}:s-{alg}"
    creds = session_creds(r)
    assert creds[0].startswith("ASIA")
    ident = env.sts(creds).get_caller_identity()
    assert ident["Arn"] == r["AssumedRoleUser"]["Arn"]
    assert ident["Account"] == env.account_id


def test_signed_client_also_works(web):
    # boto3's default client (with credentials) sends this action unsigned too.
    r = assume(web, token(web), client=web["env"].sts())
    assert r["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_wrong_audience(web):
    with aws_error("InvalidIdentityToken", 400, "Incorrect token audience"):
        assume(web, token(web, aud="someone-else"))


def test_audience_allowed_by_provider_but_not_by_trust(web):
    with aws_error("AccessDenied", 403):
        assume(web, token(web, aud="sts.amazonaws.com"))


def test_expired(web):
    now = int(time.time())
    with aws_error("ExpiredTokenException", 400):
        assume(web, token(web, iat=now - 7200, nbf=now - 7200, exp=now - 3600))


def test_wrong_issuer_no_provider(web):
    with aws_error("InvalidIdentityToken", 400, "No OpenIDConnect provider found"):
        assume(web, token(web, iss="https://other.example.test/path"))


def test_unknown_kid(web):
    with aws_error("InvalidIdentityToken", 400):
        assume(web, token(web, kid="no-such-key"))


def test_alg_none(web):
    tok = jwt.encode(claims(), None, algorithm="none", headers={"kid": RSA_KID})
    with aws_error("InvalidIdentityToken", 400):
        assume(web, tok)


def test_hs256_with_public_key_as_secret(web):
    pem = web["rsa"].public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": RSA_KID}).encode())
    body = b64url(json.dumps(claims()).encode())
    sig = b64url(hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    with aws_error("InvalidIdentityToken", 400):
        assume(web, f"{head}.{body}.{sig}")


def test_bad_signature(web):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tok = jwt.encode(claims(), other, algorithm="RS256", headers={"kid": RSA_KID})
    with aws_error("InvalidIdentityToken", 400):
        assume(web, tok)


def test_subject_not_matching_trust_condition(web):
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        assume(web, token(web, sub="system:serviceaccount:ns:other"))


def test_role_of_another_name_is_denied(web):
    arn = web["role"]["arn"].rsplit("/", 1)[0] + "/" + uname("missing")
    with aws_error("AccessDenied", 403):
        web["sts"].assume_role_with_web_identity(RoleArn=arn, RoleSessionName="xx", WebIdentityToken=token(web))


def test_not_a_jwt(web):
    with aws_error("InvalidIdentityToken", 400):
        assume(web, "not-a-jwt-at-all")


def test_other_actions_still_need_a_signature(web):
    anon = boto3.client("sts", endpoint_url=web["env"].endpoint, region_name=REGION,
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    with aws_error(("MissingAuthenticationToken", "AccessDenied", "IncompleteSignature", "InvalidClientTokenId",
                    "MissingAuthenticationTokenException")):
        anon.get_caller_identity()


def test_set_jwks_refuses_a_bad_document(web):
    bad = web["tmp"] / "bad.json"
    bad.write_text('{"keys": "nope"}')
    p = subprocess.run([iamd_bin(), "oidc", "set-jwks", "--data-dir", web["env"].data_dir, "--provider-arn",
                        web["provider_arn"], "--jwks-file", str(bad)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0, p.stdout

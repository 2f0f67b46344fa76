"""AssumeRoleWithWebIdentity with keys fetched by OIDC discovery: a local HTTPS server made here (http.server +
ssl, a self-signed certificate for 127.0.0.1 generated with python3-cryptography) serves
/.well-known/openid-configuration and /jwks.json. A dedicated iamd trusts that certificate
(IAMD_OIDC_CA_FILE) and allows the loopback issuer (IAMD_OIDC_ALLOW_HOSTS); others without the allow-list or
without the CA show that the SSRF rules refuse loopback before connecting and that the certificate is
verified. Keys set with `iamd oidc set-jwks` take precedence: such a provider is never fetched.
"""
import datetime
import ipaddress
import json
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from conftest import iamd_bin
from e2e_helpers import REGION, aws_error, policy, session_creds

jwt = pytest.importorskip("jwt")  # python3-jwt
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

SUB = "system:serviceaccount:ns:discovery"
AUD = "my-aud"
REFUSED = ("InvalidIdentityToken", "IDPCommunicationError")


def make_cert(tmp):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "oidc-cert.pem", tmp / "oidc-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def jwk_of(key, kid):
    j = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    j.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return j


class Idp:
    """The HTTPS identity provider: documents by path, every request path recorded."""

    def __init__(self, cert, key):
        self.docs = {}
        self.requests = []
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                idp.requests.append(self.path)
                body = idp.docs.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert), str(key))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.issuer = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path_prefix, issuer, jwks):
        self.docs[f"{path_prefix}/.well-known/openid-configuration"] = {
            "issuer": issuer, "jwks_uri": f"{self.issuer}{path_prefix}/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"]}
        self.docs[f"{path_prefix}/jwks.json"] = jwks

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def unsigned_sts(env):
    return boto3.client("sts", endpoint_url=env.endpoint, region_name=REGION,
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def setup_provider(env, url):
    """Creates the provider for `url` and a role trusting it: (provider ARN, role ARN)."""
    host_path = url[len("https://"):]
    arn = env.iam().create_open_id_connect_provider(
        Url=url, ClientIDList=[AUD], ThumbprintList=["0123456789abcdef0123456789abcdef01234567"],
    )["OpenIDConnectProviderArn"]
    trust = policy({"Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{host_path}:sub": SUB, f"{host_path}:aud": AUD}}})
    return arn, env.new_role(trust)["arn"]


def token(key, kid, iss, **over):
    now = int(time.time())
    c = {"iss": iss, "sub": SUB, "aud": AUD, "iat": now, "nbf": now, "exp": now + 600}
    c.update(over)
    return jwt.encode(c, key, algorithm="RS256", headers={"kid": kid})


def assume(env, role_arn, tok, session="disc"):
    return unsigned_sts(env).assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName=session,
                                                           WebIdentityToken=tok)


@pytest.fixture(scope="module")
def disc(iamd_factory, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oidc-discovery")
    cert, key = make_cert(tmp)
    idp = Idp(cert, key)
    k1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.serve("", idp.issuer, {"keys": [jwk_of(k1, "k1")]})
    env = iamd_factory("oidc-discovery", env={"IAMD_OIDC_CA_FILE": str(cert), "IAMD_OIDC_ALLOW_HOSTS": "127.0.0.1"})
    provider_arn, role_arn = setup_provider(env, idp.issuer)
    yield {"tmp": tmp, "cert": cert, "idp": idp, "k1": k1, "env": env, "provider_arn": provider_arn,
           "role_arn": role_arn}
    idp.stop()


def test_good_token_by_discovery_then_cached(disc):
    idp, env = disc["idp"], disc["env"]
    before = len(idp.requests)
    r = assume(env, disc["role_arn"], token(disc["k1"], "k1", idp.issuer))
    assert r["SubjectFromWebIdentityToken"] == SUB
    assert r["Provider"] == disc["provider_arn"]
    assert idp.requests[before:] == ["/.well-known/openid-configuration", "/jwks.json"]
    ident = env.sts(session_creds(r)).get_caller_identity()
    assert ident["Arn"] == r["AssumedRoleUser"]["Arn"]
    # A second token: the cached keys, no request.
    n = len(idp.requests)
    assume(env, disc["role_arn"], token(disc["k1"], "k1", idp.issuer), session="disc2")
    assert len(idp.requests) == n


def test_bad_signature_with_discovered_keys(disc):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assume(disc["env"], disc["role_arn"], token(disc["k1"], "k1", disc["idp"].issuer))  # warm the cache
    with aws_error("InvalidIdentityToken", 400):
        assume(disc["env"], disc["role_arn"], token(other, "k1", disc["idp"].issuer))


def test_rotation_refetches_once(disc):
    idp, env = disc["idp"], disc["env"]
    assume(env, disc["role_arn"], token(disc["k1"], "k1", idp.issuer))  # keys cached
    k2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.serve("", idp.issuer, {"keys": [jwk_of(k2, "k2")]})
    n = len(idp.requests)
    r = assume(env, disc["role_arn"], token(k2, "k2", idp.issuer), session="rotated")
    assert r["SubjectFromWebIdentityToken"] == SUB
    assert idp.requests[n:] == ["/.well-known/openid-configuration", "/jwks.json"]
    # Another unknown kid right away: no second refetch within 60 s.
    k3 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.serve("", idp.issuer, {"keys": [jwk_of(k3, "k3")]})
    n = len(idp.requests)
    with aws_error("InvalidIdentityToken", 400):
        assume(env, disc["role_arn"], token(k3, "k3", idp.issuer))
    assert len(idp.requests) == n
    # The old key is gone from the refetched set; the new one still works.
    with aws_error("InvalidIdentityToken", 400):
        assume(env, disc["role_arn"], token(disc["k1"], "k1", idp.issuer))
    assume(env, disc["role_arn"], token(k2, "k2", idp.issuer), session="rotated2")


def test_discovery_issuer_mismatch(disc):
    idp, env = disc["idp"], disc["env"]
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    url = f"{idp.issuer}/mismatch"
    idp.serve("/mismatch", "https://elsewhere.example.test", {"keys": [jwk_of(k, "m1")]})
    _, role_arn = setup_provider(env, url)
    with aws_error("InvalidIdentityToken", 400, "Couldn't retrieve verification key"):
        assume(env, role_arn, token(k, "m1", url))
    assert "/mismatch/jwks.json" not in idp.requests


def test_http_issuer_refused(disc):
    idp, env = disc["idp"], disc["env"]
    n = len(idp.requests)
    with aws_error("InvalidIdentityToken", 400):
        assume(env, disc["role_arn"], token(disc["k1"], "k1", f"http://127.0.0.1:{idp.port}"))
    # IAM does not register an http:// provider either.
    with aws_error(("ValidationError", "InvalidInput"), 400):
        env.iam().create_open_id_connect_provider(Url=f"http://127.0.0.1:{idp.port}/plain", ClientIDList=[AUD],
                                                  ThumbprintList=["0123456789abcdef0123456789abcdef01234567"])
    assert len(idp.requests) == n


def test_loopback_refused_without_allow_host(disc, iamd_factory):
    idp = disc["idp"]
    env = iamd_factory("oidc-no-allow", env={"IAMD_OIDC_CA_FILE": str(disc["cert"])})
    provider_arn, role_arn = setup_provider(env, idp.issuer)
    n = len(idp.requests)
    with aws_error(REFUSED, 400):
        assume(env, role_arn, token(disc["k1"], "k1", idp.issuer))
    assert len(idp.requests) == n, "iamd connected to a loopback issuer it should have refused"

    # Keys set by the operator are used as they are, without any fetch.
    jwks_path = disc["tmp"] / "pinned.json"
    jwks_path.write_text(json.dumps({"keys": [jwk_of(disc["k1"], "k1")]}))
    env.server.stop()
    p = subprocess.run([iamd_bin(), "oidc", "set-jwks", "--data-dir", env.data_dir, "--provider-arn", provider_arn,
                        "--jwks-file", str(jwks_path)], capture_output=True, text=True, timeout=60)
    env.server.start().wait_healthy()
    assert p.returncode == 0, f"iamd oidc set-jwks -> {p.returncode}\n{p.stdout}\n{p.stderr}"
    r = assume(env, role_arn, token(disc["k1"], "k1", idp.issuer), session="pinned")
    assert r["SubjectFromWebIdentityToken"] == SUB
    assert len(idp.requests) == n


def test_certificate_is_verified(disc, iamd_factory):
    # Allowed host, but the system CAs do not know the self-signed certificate.
    idp = disc["idp"]
    env = iamd_factory("oidc-no-ca", env={"IAMD_OIDC_ALLOW_HOSTS": "127.0.0.1"})
    _, role_arn = setup_provider(env, idp.issuer)
    n = len(idp.requests)
    with aws_error("IDPCommunicationError", 400):
        assume(env, role_arn, token(disc["k1"], "k1", idp.issuer))
    assert len(idp.requests) == n

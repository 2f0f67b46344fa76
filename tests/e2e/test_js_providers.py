"""SDK credential providers getting credentials from iamd on their own: the AWS SDK for JavaScript v3
(`@aws-sdk/credential-providers`, pinned by tests/e2e/js/package-lock.json) with an assume-role profile
(`role_arn` + `source_profile`) and web identity (`AWS_ROLE_ARN` +
`AWS_WEB_IDENTITY_TOKEN_FILE`). Debian's botocore builds its own STS client for these and ignores
`endpoint_url`, hence the JS SDK, which finds iamd's STS through `AWS_ENDPOINT_URL_STS` or the provider's
`clientConfig`.

The module fixture runs `npm ci --prefix tests/e2e/js` once when tests/e2e/js/node_modules is missing or
does not match the lockfile (git-ignored; needs the npm registry the first time).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from e2e_helpers import REGION, allow, policy, trust_aws, uname

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "providers.mjs"
IAM_READONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
NODE_MIN_MAJOR = 20


def _installed_matches_lock():
    """node_modules/.package-lock.json (written by npm) lists the lockfile's packages and versions."""
    try:
        want = json.loads((JS_DIR / "package-lock.json").read_text())["packages"]
        have = json.loads((JS_DIR / "node_modules" / ".package-lock.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return False
    want = {k: v.get("version") for k, v in want.items() if k}
    have = {k: v.get("version") for k, v in have.items() if k}
    return want == have


@pytest.fixture(scope="module")
def node():
    node_bin, npm_bin = shutil.which("node"), shutil.which("npm")
    if not node_bin or not npm_bin:
        pytest.skip("node/npm not installed (scripts/deps.sh test installs nodejs; Node >= 20 with npm)")
    v = subprocess.run([node_bin, "--version"], capture_output=True, text=True).stdout.strip()
    m = re.match(r"v(\d+)\.", v)
    if not m or int(m.group(1)) < NODE_MIN_MAJOR:
        pytest.skip(f"Node {v} is older than {NODE_MIN_MAJOR}, which the pinned AWS SDK needs")
    if not _installed_matches_lock():
        p = subprocess.run([npm_bin, "ci", "--prefix", str(JS_DIR), "--no-audit", "--no-fund"],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, f"npm ci --prefix {JS_DIR} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    return node_bin


@pytest.fixture(scope="module")
def assume_setup(iamd, tmp_path_factory):
    """A user with static keys (the source profile), a role trusting it with IAMReadOnlyAccess, and the
    shared config/credentials files of an assume-role profile `assumer`."""
    role_name = uname("js-role")
    role_arn = iamd.arn("role", role_name)
    u = iamd.new_user(policy(allow("sts:AssumeRole", role_arn)), name=uname("js-user"))
    role = iamd.new_role(trust_aws(u["arn"]), name=role_name, managed_arns=[IAM_READONLY])
    stranger = iamd.new_role(trust_aws(iamd.arn("user", "admin")), managed_arns=[IAM_READONLY])
    d = tmp_path_factory.mktemp("js-aws")
    (d / "config").write_text(
        "[profile assumer]\n"
        f"role_arn = {role['arn']}\n"
        "source_profile = base\n"
        "role_session_name = js-session\n"
        "duration_seconds = 900\n"
        f"region = {REGION}\n"
        "\n"
        "[profile refused]\n"
        f"role_arn = {stranger['arn']}\n"
        "source_profile = base\n"
        "role_session_name = js-refused\n"
        f"region = {REGION}\n"
        "\n"
        "[profile base]\n"
        f"region = {REGION}\n")
    (d / "credentials").write_text(
        "[base]\n"
        f"aws_access_key_id = {u['creds'][0]}\n"
        f"aws_secret_access_key = {u['creds'][1]}\n")
    return {"dir": d, "user": u, "role": role, "stranger": stranger}


def run_js(node, iamd, mode, env_extra, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"IAMD_ENDPOINT": iamd.endpoint, "AWS_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                "NODE_NO_WARNINGS": "1"})
    env.update(env_extra)
    p = subprocess.run([node, str(SCRIPT), mode], capture_output=True, text=True, timeout=timeout, env=env,
                       cwd=str(JS_DIR), stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"node providers.mjs {mode} -> {p.returncode}\n{p.stdout}\n{p.stderr}"
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    assert lines, f"no output from providers.mjs {mode}; stderr:\n{p.stderr}"
    return json.loads(lines[-1])


def profile_env(setup, **extra):
    d = setup["dir"]
    env = {"AWS_CONFIG_FILE": str(d / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(d / "credentials"),
           "HOME": str(d)}
    env.update(extra)
    return env


def check_assumed(out, iamd, setup, session="js-session"):
    assert out["ok"], out
    role = setup["role"]
    assert out["identity"]["Arn"] == f"arn:aws:sts::{iamd.account_id}:assumed-role/{role['name']}/{session}"
    assert out["identity"]["UserId"] == f"{role['role_id']}:{session}"
    assert out["identity"]["Account"] == iamd.account_id
    assert out["accessKeyId"].startswith("ASIA") and out["hasSessionToken"]
    assert setup["user"]["name"] in out["users"] and "admin" in out["users"]
    # duration_seconds = 900 in the profile
    exp = datetime.datetime.fromisoformat(out["expiration"].replace("Z", "+00:00")).timestamp()
    assert abs(exp - (time.time() + 900)) < 60, out["expiration"]


def test_ini_assume_role_profile_with_endpoint_env(node, iamd, assume_setup):
    out = run_js(node, iamd, "ini", profile_env(assume_setup, IAMD_PROFILE="assumer",
                                                AWS_ENDPOINT_URL_STS=iamd.endpoint))
    check_assumed(out, iamd, assume_setup)


def test_ini_assume_role_profile_with_client_config(node, iamd, assume_setup):
    out = run_js(node, iamd, "ini-config", profile_env(assume_setup, IAMD_PROFILE="assumer"))
    check_assumed(out, iamd, assume_setup)


def test_default_chain_picks_the_assume_role_profile(node, iamd, assume_setup):
    out = run_js(node, iamd, "node-chain", profile_env(assume_setup, AWS_PROFILE="assumer",
                                                       AWS_ENDPOINT_URL_STS=iamd.endpoint))
    check_assumed(out, iamd, assume_setup)


def test_ini_assume_role_refused_by_trust_policy(node, iamd, assume_setup):
    out = run_js(node, iamd, "ini", profile_env(assume_setup, IAMD_PROFILE="refused",
                                                AWS_ENDPOINT_URL_STS=iamd.endpoint))
    assert not out["ok"], out
    assert out["error"]["code"] == "AccessDenied" and out["error"]["status"] == 403, out
    assert assume_setup["stranger"]["arn"] in out["error"]["message"], out


def test_web_identity_token_file(node, iamd_factory, tmp_path):
    """fromTokenFile(): a JWT signed here with a key generated here, for an OIDC provider registered in an
    iamd of its own, whose public key is set with `iamd oidc set-jwks` (used by the server after a restart)."""
    import jwt  # python3-jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from conftest import iamd_bin

    env = iamd_factory("js-web-identity")
    issuer_host = f"oidc-{uname('e2e')}.example.com"
    issuer = f"https://{issuer_host}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    admin = env.iam()
    provider_arn = admin.create_open_id_connect_provider(
        Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "e2e-1", "alg": "RS256", "use": "sig"})
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk]}))
    env.server.stop()
    p = subprocess.run([iamd_bin(), "oidc", "set-jwks", "--data-dir", env.data_dir, "--provider-arn", provider_arn,
                        "--jwks-file", str(jwks_file)], capture_output=True, text=True, timeout=60)
    env.server.start().wait_healthy()
    assert p.returncode == 0, f"iamd oidc set-jwks -> {p.returncode}\n{p.stdout}\n{p.stderr}"
    trust = policy({"Effect": "Allow", "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{issuer_host}:aud": "sts.amazonaws.com",
                                                   f"{issuer_host}:sub": "system:serviceaccount:ns:sa"}}})
    role = env.new_role(trust, managed_arns=[IAM_READONLY])
    now = int(time.time())
    token = jwt.encode({"iss": issuer, "sub": "system:serviceaccount:ns:sa", "aud": "sts.amazonaws.com",
                        "iat": now, "nbf": now, "exp": now + 600}, key, algorithm="RS256",
                       headers={"kid": "e2e-1"})
    tok = tmp_path / "token"
    tok.write_text(token)
    out = run_js(node, env, "web-identity", {
        "AWS_ROLE_ARN": role["arn"], "AWS_WEB_IDENTITY_TOKEN_FILE": str(tok),
        "AWS_ROLE_SESSION_NAME": "js-web", "AWS_ENDPOINT_URL_STS": env.endpoint,
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "HOME": str(tmp_path)})
    assert out["ok"], out
    assert out["identity"]["Arn"] == f"arn:aws:sts::{env.account_id}:assumed-role/{role['name']}/js-web"

"""The unmodified `aws` CLI (Debian awscli) against iamd, and `iamctl configure`."""
import json
import os
import re
import subprocess

import pytest

from conftest import aws_cli_bin, iamctl_bin
from e2e_helpers import AWS_READONLY, allow, policy, uname


def test_cli_user_lifecycle(iamd, tmp_path):
    name = uname("cli")
    u = iamd.aws("iam", "create-user", "--user-name", name, "--path", "/cli/",
                 "--tags", "Key=team,Value=blue")["User"]
    assert u["UserName"] == name
    assert u["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/cli/{name}"
    assert u["UserId"].startswith("AIDA")

    listed = iamd.aws("iam", "list-users", "--path-prefix", "/cli/")["Users"]
    assert name in [x["UserName"] for x in listed]

    got = iamd.aws("iam", "get-user", "--user-name", name)["User"]
    assert got["UserId"] == u["UserId"]
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]

    key = iamd.aws("iam", "create-access-key", "--user-name", name)["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40

    assert iamd.aws("iam", "attach-user-policy", "--user-name", name, "--policy-arn", AWS_READONLY) is None
    att = iamd.aws("iam", "list-attached-user-policies", "--user-name", name)["AttachedPolicies"]
    assert att == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": AWS_READONLY}]

    # the new user's key works with the CLI: ReadOnlyAccess lets it get itself
    me = iamd.aws("iam", "get-user", creds=(key["AccessKeyId"], key["SecretAccessKey"]))["User"]
    assert me["UserName"] == name
    p = iamd.aws_run("iam", "create-user", "--user-name", uname("denied"),
                     creds=(key["AccessKeyId"], key["SecretAccessKey"]))
    assert p.returncode != 0
    assert "AccessDenied" in p.stderr and "iam:CreateUser" in p.stderr

    # delete-user refuses while it has a key and a policy
    p = iamd.aws_run("iam", "delete-user", "--user-name", name)
    assert p.returncode != 0 and "DeleteConflict" in p.stderr
    iamd.aws("iam", "delete-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"])
    iamd.aws("iam", "detach-user-policy", "--user-name", name, "--policy-arn", AWS_READONLY)
    assert iamd.aws("iam", "delete-user", "--user-name", name) is None
    p = iamd.aws_run("iam", "get-user", "--user-name", name)
    assert p.returncode != 0 and "NoSuchEntity" in p.stderr


def test_cli_create_policy_from_file(iamd, tmp_path):
    doc = policy(allow(["iam:GetUser", "iam:ListUsers"]))
    f = tmp_path / "policy.json"
    f.write_text(json.dumps(doc, indent=2))
    name = uname("clipol")
    p = iamd.aws("iam", "create-policy", "--policy-name", name, "--policy-document", f"file://{f}",
                 "--description", "from the CLI")["Policy"]
    assert p["Arn"] == f"arn:aws:iam::{iamd.account_id}:policy/{name}"
    assert p["DefaultVersionId"] == "v1"
    v = iamd.aws("iam", "get-policy-version", "--policy-arn", p["Arn"], "--version-id", "v1")["PolicyVersion"]
    assert v["Document"] == doc
    listed = iamd.aws("iam", "list-policies", "--scope", "Local")["Policies"]
    assert p["Arn"] in [x["Arn"] for x in listed]
    iamd.aws("iam", "delete-policy", "--policy-arn", p["Arn"])


def test_cli_pagination(iamd):
    path = f"/{uname('clipg')}/"
    names = sorted(uname("cp") for _ in range(4))
    for n in names:
        iamd.iam().create_user(UserName=n, Path=path)
    # --page-size makes the CLI follow Marker itself
    out = iamd.aws("iam", "list-users", "--path-prefix", path, "--page-size", "1")
    assert sorted(u["UserName"] for u in out["Users"]) == names
    out = iamd.aws("iam", "list-users", "--path-prefix", path, "--max-items", "2")
    assert len(out["Users"]) == 2 and out.get("NextToken")


def test_cli_with_admin_credentials_file_as_is(iamd):
    cli = aws_cli_bin()
    if not cli:
        pytest.skip("the aws CLI is not installed")
    env = iamd.aws_env(creds=False, extra={"AWS_SHARED_CREDENTIALS_FILE": iamd.admin_credentials_file})
    p = subprocess.run([cli, "iam", "get-user", "--endpoint-url", iamd.endpoint, "--output", "json"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["User"]["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/admin"


def test_admin_credentials_file_mode(iamd):
    st = os.stat(iamd.admin_credentials_file)
    assert st.st_mode & 0o777 == 0o600, oct(st.st_mode)


def test_cli_error_exit_status(iamd):
    p = iamd.aws_run("iam", "get-role", "--role-name", uname("ghost"))
    assert p.returncode == 254  # aws CLI v2: a service error
    assert "NoSuchEntity" in p.stderr
    p = iamd.aws_run("iam", "list-users", creds=("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    assert p.returncode == 254 and "InvalidClientTokenId" in p.stderr


def _iamctl_configure_available():
    b = iamctl_bin()
    if not b:
        return None, "iamctl not found (set IAMCTL_BIN or build <repo>/build*/src/iamctl/iamctl)"
    try:
        p = subprocess.run([b, "configure", "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"iamctl configure --help failed: {e}"
    text = (p.stdout + p.stderr).lower()
    if p.returncode != 0 and ("unknown" in text or "usage" in text or "invalid" in text):
        return None, "this iamctl has no 'configure' subcommand yet"
    return b, None


def test_iamctl_configure(iamd, tmp_path):
    """Assumed contract: `iamctl configure --data-dir DIR --endpoint-url URL
    [--profile NAME]` either prints shell lines (`export AWS_...=...`) to
    eval, or writes a profile to $AWS_SHARED_CREDENTIALS_FILE /
    $AWS_CONFIG_FILE (default ~/.aws/...). Either way `aws iam list-users`
    must then work."""
    b, why = _iamctl_configure_available()
    if b is None:
        pytest.skip(why)
    home = tmp_path / "home"
    home.mkdir()
    creds_file, config_file = home / ".aws" / "credentials", home / ".aws" / "config"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"HOME": str(home), "AWS_SHARED_CREDENTIALS_FILE": str(creds_file),
                "AWS_CONFIG_FILE": str(config_file)})
    p = subprocess.run([b, "configure", "--data-dir", iamd.data_dir, "--endpoint-url", iamd.endpoint,
                        "--profile", "iamd"], capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 0, f"iamctl configure failed ({p.returncode}): {p.stderr}"

    cli_env = dict(env)
    cli_env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""})
    exported = dict(re.findall(r"^(?:export\s+)?(AWS_[A-Z_]+)=['\"]?([^'\"\n]*)['\"]?\s*$", p.stdout, re.M))
    args = [aws_cli_bin() or "aws", "iam", "list-users", "--output", "json", "--endpoint-url", iamd.endpoint]
    if exported:
        cli_env.update(exported)
    else:
        assert creds_file.exists() or config_file.exists(), \
            f"iamctl configure printed no export lines and wrote no profile:\n{p.stdout}"
        args += ["--profile", "iamd"]
    q = subprocess.run(args, capture_output=True, text=True, env=cli_env, timeout=60)
    assert q.returncode == 0, q.stderr
    assert "admin" in [u["UserName"] for u in json.loads(q.stdout)["Users"]]

"""Session fixture for the iamd end-to-end suite.

Starts one real iamd (init + account create + serve) for the whole session and
hands the tests an `Iamd` object: endpoint, data_dir, admin credentials,
account id, and helpers to get boto3 clients and run the `aws` CLI.

Binaries: IAMD_BIN (else <repo>/build/src/iamd/iamd, <repo>/build/rel/src/iamd/iamd,
any <repo>/build*/src/iamd/iamd or <repo>/build/*/src/iamd/iamd); the same for
IAMCTL_BIN and src/iamctl/iamctl. Set IAMD_E2E_KEEP=1 to keep the temp dir.
"""
import configparser
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_helpers import REGION, doc, http_get, uname  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
OTHER_ACCOUNT_ID = "210987654321"
HEALTH_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

# Keep the developer's own AWS setup out of every client and CLI run.
for _k in list(os.environ):
    if _k.startswith("AWS_") and _k not in ("AWS_CLI_BIN",):
        del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def find_binary(env_var, rel):
    """env var, then <repo>/build/<rel>, <repo>/build/rel/<rel>, then globs."""
    v = os.environ.get(env_var)
    if v:
        return v if os.access(v, os.X_OK) else None
    cands = [REPO / "build" / rel, REPO / "build" / "rel" / rel]
    cands += [Path(p) for p in sorted(glob.glob(str(REPO / "build*" / rel)))]
    cands += [Path(p) for p in sorted(glob.glob(str(REPO / "build" / "*" / rel)))]
    for c in cands:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return None


def iamd_bin():
    return find_binary("IAMD_BIN", "src/iamd/iamd")


def iamctl_bin():
    return find_binary("IAMCTL_BIN", "src/iamctl/iamctl")


def aws_cli_bin():
    v = os.environ.get("AWS_CLI_BIN")
    if v:
        return v
    if os.access("/usr/bin/aws", os.X_OK):
        return "/usr/bin/aws"
    return shutil.which("aws")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_credentials(path, profile="default"):
    cp = configparser.ConfigParser()
    with open(path) as f:
        cp.read_file(f)
    sec = cp[profile]
    return sec["aws_access_key_id"].strip(), sec["aws_secret_access_key"].strip()


def tail(path, n=80):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return "(no log)"


def run_iamd(*args, timeout=60):
    b = iamd_bin()
    if not b:
        pytest.fail("iamd binary not found: set IAMD_BIN or build <repo>/build/src/iamd/iamd")
    return subprocess.run([b, *args], capture_output=True, text=True, timeout=timeout)


class IamdProcess:
    """One `iamd serve` process."""

    def __init__(self, data_dir, port, log_path, region=REGION, env=None):
        self.data_dir = str(data_dir)
        self.port = port
        self.log_path = str(log_path)
        self.region = region
        self.endpoint = f"http://127.0.0.1:{port}"
        self.proc = None
        self.env = env  # extra environment for serve (e.g. LD_PRELOAD of libfaketime)

    def start(self):
        b = iamd_bin()
        if not b:
            pytest.fail("iamd binary not found: set IAMD_BIN or build <repo>/build/src/iamd/iamd")
        self._log = open(self.log_path, "ab")
        self._out = open(self.log_path + ".stdout", "ab")
        self.proc = subprocess.Popen(
            [b, "serve", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}",
             "--region", self.region],
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._log,
            env={**os.environ, **self.env} if self.env else None)
        return self

    def wait_healthy(self, timeout=HEALTH_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"iamd serve exited with {self.proc.returncode} before it was "
                                   f"healthy; log:\n{tail(self.log_path)}")
            st, _ = http_get(self.endpoint + "/healthz", timeout=1.0)
            if st == 200:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"iamd not healthy on {self.endpoint}/healthz after {timeout}s; "
                           f"log:\n{tail(self.log_path)}")

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_logs()
                return None
        self._close_logs()
        return self.proc.returncode

    def _close_logs(self):
        for f in (getattr(self, "_log", None), getattr(self, "_out", None)):
            if f and not f.closed:
                f.close()


class Iamd:
    """What the tests get from the `iamd` fixture."""

    def __init__(self, tmp, data_dir, server, account_id, admin_creds, other_account=None,
                 other_account_error=None):
        self.tmp = str(tmp)
        self.data_dir = str(data_dir)
        self.server = server
        self.endpoint = server.endpoint
        self.port = server.port
        self.log_path = server.log_path
        self.account_id = account_id
        self.admin_creds = admin_creds  # (access key id, secret)
        self.admin_credentials_file = os.path.join(self.data_dir, "admin-credentials")
        self.other_account = other_account  # dict(account_id, creds, credentials_file) or None
        self.other_account_error = other_account_error
        self._clients = {}

    # ---- boto3 --------------------------------------------------------
    def iam(self, creds=None, **config_kw):
        """A boto3 IAM client for `creds` ((key, secret) or, for temporary
        credentials, (key, secret, session token); default: admin).
        Retries are off so errors surface at once."""
        return self._client("iam", creds, config_kw)

    def sts(self, creds=None, **config_kw):
        """A boto3 STS client on the same endpoint (creds as for iam())."""
        return self._client("sts", creds, config_kw)

    def _client(self, service, creds, config_kw):
        creds = tuple(creds) if creds else self.admin_creds
        cache_key = (service, creds, tuple(sorted(config_kw.items())))
        if cache_key in self._clients:
            return self._clients[cache_key]
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                     read_timeout=30, **config_kw)
        c = boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                         aws_access_key_id=creds[0], aws_secret_access_key=creds[1],
                         aws_session_token=creds[2] if len(creds) > 2 else None,
                         config=cfg)
        self._clients[cache_key] = c
        return c

    def new_role(self, trust, name=None, path="/", managed_arns=(), inline=None,
                 max_session=None, tags=None):
        """Creates a role with trust policy `trust` (dict or JSON), optional
        attached managed policies, an optional inline policy named 'inline' and
        MaxSessionDuration. Returns a dict: name, arn, role_id."""
        admin = self.iam()
        name = name or uname("r")
        kw = {"RoleName": name, "Path": path, "AssumeRolePolicyDocument": doc(trust)}
        if max_session is not None:
            kw["MaxSessionDuration"] = max_session
        if tags:
            kw["Tags"] = tags
        r = admin.create_role(**kw)["Role"]
        for a in managed_arns:
            admin.attach_role_policy(RoleName=name, PolicyArn=a)
        if inline is not None:
            admin.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=doc(inline))
        return {"name": name, "arn": r["Arn"], "role_id": r["RoleId"]}

    def arn(self, kind, name, path="/", account_id=None):
        return f"arn:aws:iam::{account_id or self.account_id}:{kind}{path}{name}"

    def new_user(self, policy_doc=None, name=None, path="/", managed_arns=(), tags=None):
        """Creates a user with one access key (and an optional inline policy
        named 'inline', and optional attached managed policies). Returns a
        dict: name, arn, user_id, creds, client."""
        admin = self.iam()
        name = name or uname("u")
        kw = {"UserName": name, "Path": path}
        if tags:
            kw["Tags"] = tags
        u = admin.create_user(**kw)["User"]
        k = admin.create_access_key(UserName=name)["AccessKey"]
        if policy_doc is not None:
            admin.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=doc(policy_doc))
        for a in managed_arns:
            admin.attach_user_policy(UserName=name, PolicyArn=a)
        creds = (k["AccessKeyId"], k["SecretAccessKey"])
        return {"name": name, "arn": u["Arn"], "user_id": u["UserId"], "creds": creds,
                "access_key_id": k["AccessKeyId"], "client": self.iam(creds)}

    def new_user_client(self, policy_doc=None, **kw):
        """Creates a user with an access key (+ optional inline policy) and
        returns a boto3 client signed with that key. The user's details are
        on client.e2e_user."""
        u = self.new_user(policy_doc, **kw)
        c = u["client"]
        c.e2e_user = u
        return c

    # ---- aws CLI -------------------------------------------------------
    def aws_env(self, creds=None, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if creds is not False:
            c = creds or self.admin_creds
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = c[0], c[1]
        if extra:
            env.update(extra)
        return env

    def aws_run(self, *args, creds=None, env_extra=None, endpoint=True, timeout=60):
        """Runs the aws CLI; returns the CompletedProcess (no check)."""
        cli = aws_cli_bin()
        if not cli:
            pytest.skip("the aws CLI is not installed (Debian package awscli)")
        cmd = [cli, *args, "--output", "json"]
        if endpoint:
            cmd += ["--endpoint-url", self.endpoint]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=self.aws_env(creds, env_extra), stdin=subprocess.DEVNULL)

    def aws(self, *args, creds=None, env_extra=None, **kw):
        """Runs the aws CLI and returns its parsed JSON output (None when it
        printed nothing). Fails the test on a non-zero exit."""
        p = self.aws_run(*args, creds=creds, env_extra=env_extra, **kw)
        assert p.returncode == 0, f"aws {' '.join(args)} -> {p.returncode}\n{p.stderr}"
        out = p.stdout.strip()
        return json.loads(out) if out else None

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def iamd():
    if not iamd_bin():
        pytest.fail("iamd binary not found: set IAMD_BIN or build <repo>/build/src/iamd/iamd "
                    "(also looked in build/rel and build*/)")
    tmp = Path(tempfile.mkdtemp(prefix="iamd-e2e-"))
    data_dir = tmp / "data"
    p = run_iamd("init", "--data-dir", str(data_dir), "--account-id", ACCOUNT_ID)
    if p.returncode != 0:
        pytest.fail(f"iamd init failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    creds_file = data_dir / "admin-credentials"
    assert creds_file.is_file(), f"iamd init did not write {creds_file}"
    admin_creds = read_credentials(creds_file)

    other, other_err = None, None
    try:
        q = run_iamd("account", "create", "--data-dir", str(data_dir), "--account-id", OTHER_ACCOUNT_ID)
    except subprocess.TimeoutExpired:
        q = subprocess.CompletedProcess([], -1, "", "timed out after 60 s")
    if q.returncode == 0:
        printed = q.stdout.strip().splitlines()[-1].strip() if q.stdout.strip() else ""
        path = printed if printed and os.path.isfile(printed) else str(
            data_dir / "accounts" / OTHER_ACCOUNT_ID / "admin-credentials")
        try:
            other = {"account_id": OTHER_ACCOUNT_ID, "creds": read_credentials(path),
                     "credentials_file": path, "stdout": q.stdout}
        except (OSError, KeyError, configparser.Error) as e:
            other_err = f"account create succeeded but {path} is unreadable: {e}"
    else:
        other_err = f"iamd account create failed ({q.returncode}):\n{q.stdout}\n{q.stderr}"

    server = IamdProcess(data_dir, free_port(), tmp / "iamd.log").start()
    try:
        server.wait_healthy()
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e))
    env = Iamd(tmp, data_dir, server, ACCOUNT_ID, admin_creds, other, other_err)
    yield env
    rc = server.stop()
    log = tail(server.log_path, 40)
    if not os.environ.get("IAMD_E2E_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"\n[iamd-e2e] kept {tmp}")
    assert rc == 0, f"iamd serve did not exit 0 within {STOP_TIMEOUT}s of SIGTERM (rc={rc}); log:\n{log}"


@pytest.fixture(scope="session")
def other_account(iamd):
    """The second account made with `iamd account create` (before serve)."""
    if iamd.other_account is None:
        pytest.fail(iamd.other_account_error or "no second account")
    return iamd.other_account


@pytest.fixture
def admin(iamd):
    return iamd.iam()


@pytest.fixture(scope="session")
def iamd_factory():
    """Starts further iamd servers (own data dir, own port) for tests that
    need one to themselves: make(label, env=None, root_key=False) -> Iamd,
    with .root_creds set when root_key (`iamd account root-key`, run before
    serve). `env` is added to serve's environment (e.g. libfaketime's
    LD_PRELOAD). Each server is stopped at the end of the session."""
    started = []

    def make(label, env=None, root_key=False):
        tmp = Path(tempfile.mkdtemp(prefix=f"iamd-e2e-{label}-"))
        data_dir = tmp / "data"
        p = run_iamd("init", "--data-dir", str(data_dir), "--account-id", ACCOUNT_ID)
        if p.returncode != 0:
            pytest.fail(f"iamd init ({label}) failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        admin_creds = read_credentials(data_dir / "admin-credentials")
        root_creds, root_err = None, None
        if root_key:
            q = run_iamd("account", "root-key", "--data-dir", str(data_dir), "--account-id", ACCOUNT_ID)
            printed = q.stdout.strip().splitlines()[-1].strip() if q.stdout.strip() else ""
            if q.returncode == 0 and printed and os.path.isfile(printed):
                root_creds = read_credentials(printed)
            else:
                root_err = f"iamd account root-key failed ({q.returncode}):\n{q.stdout}\n{q.stderr}"
        server = IamdProcess(data_dir, free_port(), tmp / "iamd.log", env=env).start()
        started.append((server, tmp))
        try:
            server.wait_healthy()
        except RuntimeError as e:
            pytest.fail(f"{label}: {e}")
        env_obj = Iamd(tmp, data_dir, server, ACCOUNT_ID, admin_creds)
        env_obj.root_creds, env_obj.root_error = root_creds, root_err
        return env_obj

    yield make
    for server, tmp in started:
        server.stop()
        if not os.environ.get("IAMD_E2E_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


_SESSION_IAMD = {}


@pytest.fixture(autouse=True)
def _remember_iamd(request):
    # Lets the report hook find the log without forcing the fixture on tests
    # that don't use it.
    if "iamd" in request.fixturenames:
        _SESSION_IAMD["env"] = request.getfixturevalue("iamd")
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    env = _SESSION_IAMD.get("env")
    if rep.failed and env is not None and rep.when in ("call", "setup"):
        rep.sections.append(("iamd log (tail)", tail(env.log_path, 60)))

"""The iamd process itself: health, metrics, init/serve behaviour, signals,
logs and durability."""
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import IamdProcess, free_port, iamd_bin, read_credentials, run_iamd, tail
from e2e_helpers import aws_error, http_get, raw_call, uname


def test_healthz(iamd):
    st, _ = http_get(iamd.endpoint + "/healthz")
    assert st == 200


def _metrics(iamd):
    st, body = http_get(iamd.endpoint + "/metrics")
    assert st == 200
    return body.decode()


def _samples(text):
    """(name, labels dict, value) for every sample line of Prometheus text."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)", line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def test_metrics_request_counters_and_histogram(iamd, admin):
    admin.list_users(MaxItems=1)
    with aws_error("NoSuchEntity", 404):
        admin.get_user(UserName=uname("ghost"))
    text = _metrics(iamd)
    samples = _samples(text)

    def has(action, status):
        return any(l.get("action") == action and
                   any(l.get(k) == status for k in ("status", "code", "status_code")) and v >= 1
                   for n, l, v in samples if not n.endswith(("_bucket", "_sum")))

    assert has("ListUsers", "200"), "no request counter for ListUsers/200"
    assert has("GetUser", "404"), "no request counter for GetUser/404"

    hists = re.findall(r"^# TYPE (\S+) histogram$", text, re.M)
    assert hists, "no histogram in /metrics"
    h = hists[0]
    buckets = [(l, v) for n, l, v in samples if n == f"{h}_bucket"]
    assert buckets and all("le" in l for l, _ in buckets)
    assert any(l["le"] == "+Inf" for l, _ in buckets)
    assert any(n == f"{h}_sum" for n, _, _ in samples)
    assert any(n == f"{h}_count" for n, _, _ in samples)

    # counters only grow
    before = sum(v for n, l, v in samples if l.get("action") == "ListUsers" and not n.endswith(("_bucket", "_sum")))
    admin.list_users(MaxItems=1)
    after = sum(v for n, l, v in _samples(_metrics(iamd))
                if l.get("action") == "ListUsers" and not n.endswith(("_bucket", "_sum")))
    assert after > before


def test_init_twice_refuses(iamd):
    before = Path(iamd.admin_credentials_file).read_bytes()
    p = run_iamd("init", "--data-dir", iamd.data_dir, "--account-id", iamd.account_id)
    assert p.returncode != 0 and p.returncode < 128, (p.returncode, p.stderr)
    assert p.stderr.strip(), "a refusal should say why on stderr"
    assert Path(iamd.admin_credentials_file).read_bytes() == before
    # and the running server still knows the same admin
    assert iamd.iam().get_user()["User"]["UserName"] == "admin"


def test_second_serve_on_same_dir_and_port_fails_cleanly(iamd):
    b = iamd_bin()
    p = subprocess.run([b, "serve", "--data-dir", iamd.data_dir, "--listen", f"127.0.0.1:{iamd.port}"],
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and p.returncode < 128, (p.returncode, p.stderr[-2000:])
    assert p.stderr.strip()
    st, _ = http_get(iamd.endpoint + "/healthz")
    assert st == 200
    iamd.iam().list_users(MaxItems=1)


def test_json_log_lines_and_no_secrets(iamd, admin):
    u = uname("log")
    admin.create_user(UserName=u)
    k = admin.create_access_key(UserName=u)["AccessKey"]
    with aws_error("NoSuchEntity", 404):
        admin.get_user(UserName=uname("ghost"))
    raw_call(iamd.endpoint, {"Action": "ListUsers", "Version": "2010-05-08"}, (k["AccessKeyId"], "x" * 40))
    admin.create_login_profile(UserName=u, Password="Log-Test-Passw0rd!#42")
    time.sleep(0.2)
    text = iamd.log_text()
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines, "iamd wrote no log lines"
    for l in lines:
        try:
            obj = json.loads(l)
        except ValueError:
            pytest.fail(f"log line is not JSON: {l[:300]!r}")
        assert isinstance(obj, dict), l[:300]
    secret = iamd.admin_creds[1]
    assert secret not in text, "the admin secret appears in the log"
    assert k["SecretAccessKey"] not in text, "a new access key's secret appears in the log"
    assert "Log-Test-Passw0rd!#42" not in text, "a password appears in the log"


def _fresh_instance(tmp):
    data = Path(tmp) / "data"
    p = run_iamd("init", "--data-dir", str(data), "--account-id", "111122223333")
    assert p.returncode == 0, p.stderr
    creds = read_credentials(data / "admin-credentials")
    srv = IamdProcess(data, free_port(), Path(tmp) / "iamd.log").start()
    try:
        srv.wait_healthy()
    except RuntimeError as e:
        srv.stop()
        pytest.fail(str(e))
    return data, creds, srv


def _client(srv, creds):
    return boto3.client("iam", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=creds[0], aws_secret_access_key=creds[1],
                        config=Config(retries={"max_attempts": 1}))


def test_sigterm_exits_zero_and_data_survives_restart(iamd):
    with tempfile.TemporaryDirectory(prefix="iamd-e2e-restart-") as tmp:
        data, creds, srv = _fresh_instance(tmp)
        c = _client(srv, creds)
        me = c.get_user()["User"]
        assert me["Arn"] == "arn:aws:iam::111122223333:user/admin"
        name = uname("dur")
        uid = c.create_user(UserName=name)["User"]["UserId"]
        c.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}))
        key = c.create_access_key(UserName=name)["AccessKey"]

        t0 = time.monotonic()
        rc = srv.stop()
        assert rc == 0, f"exit {rc} after SIGTERM; log:\n{tail(srv.log_path)}"
        assert time.monotonic() - t0 < 10
        st, _ = http_get(srv.endpoint + "/healthz", timeout=0.5)
        assert st == 0, "still answering after SIGTERM"

        srv2 = IamdProcess(data, free_port(), Path(tmp) / "iamd2.log").start()
        try:
            srv2.wait_healthy()
            c2 = _client(srv2, creds)
            assert c2.get_user(UserName=name)["User"]["UserId"] == uid
            uc = _client(srv2, (key["AccessKeyId"], key["SecretAccessKey"]))
            assert uc.get_user()["User"]["UserName"] == name
        finally:
            assert srv2.stop() == 0


def test_serve_without_init_fails_cleanly():
    with tempfile.TemporaryDirectory(prefix="iamd-e2e-noinit-") as tmp:
        b = iamd_bin()
        if not b:
            pytest.fail("iamd binary not found")
        p = subprocess.run([b, "serve", "--data-dir", os.path.join(tmp, "nothing"), "--listen",
                            f"127.0.0.1:{free_port()}"], capture_output=True, text=True, timeout=20,
                           stdin=subprocess.DEVNULL)
        assert p.returncode != 0 and p.returncode < 128, p
        assert p.stderr.strip()


def test_unknown_subcommand_is_a_usage_error():
    b = iamd_bin()
    if not b:
        pytest.fail("iamd binary not found")
    p = subprocess.run([b, "no-such-command"], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and p.returncode < 128
    assert p.stderr.strip()

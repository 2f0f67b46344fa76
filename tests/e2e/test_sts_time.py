"""Session expiry and signature skew on a clock the tests control, without sleeping and without any back door
in iamd: a second iamd (own data dir, own port) runs under Debian's libfaketime (package `faketime`),
LD_PRELOADed with FAKETIME_TIMESTAMP_FILE, a file holding an offset ("+N" seconds) from the real time that
the tests rewrite; FAKETIME_NO_CACHE=1 makes every clock read see the current file. The tests sign with the
same offset (botocore's signer clock patched), so SigV4's 15-minute window holds wherever the clock is.
Offsets only ever grow within the module, so the server's clock never runs backwards.
"""
import datetime
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from e2e_helpers import (allow, aws_error, policy, raw_call, session_creds, shifted_signing_clock, trust_aws)

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
IAM_READONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
BASE_OFFSET = 86400  # the server starts a day ahead of the real clock, so the real time never verifies


class FakeClock:
    """The offset (seconds) of the faked iamd's clock from the real time."""

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0
        self.set(0)

    def set(self, offset):
        offset = int(offset)
        assert offset >= self.offset, "the fake clock never runs backwards"
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{offset:+d}\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path)  # atomic: libfaketime never reads a half-written file
        self.offset = offset

    def server_time_to(self, epoch, rounding):
        """Moves the server's clock to about `epoch` (rounding: math.floor keeps it at or before,
        math.ceil at or after, whatever the sub-second part of the real time)."""
        self.set(rounding(epoch - time.time()))

    def signing(self):
        return shifted_signing_clock(self.offset)


def _epoch(dt):
    return dt.timestamp()


@pytest.fixture(scope="module")
def clock_iamd(iamd_factory):
    if not os.path.exists(LIBFAKETIME):
        pytest.skip(f"{LIBFAKETIME} is missing (Debian package faketime: scripts/deps.sh test)")
    # serve drops root privileges: the clock file must stay readable by the service user.
    clock_dir = tempfile.mkdtemp(prefix="iamd-e2e-clock-")
    os.chmod(clock_dir, 0o755)
    clock = FakeClock(os.path.join(clock_dir, "faketime.rc"))
    env = {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME_TIMESTAMP_FILE": str(clock.path),
        "FAKETIME_NO_CACHE": "1",
        # libmicrohttpd's timeouts and iamd's own intervals keep the real monotonic clock.
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    env_obj = iamd_factory("faketime", env=env)
    # Prove the clock is faked: a day ahead, a request signed now is a day stale, one signed a day
    # ahead verifies.
    clock.set(BASE_OFFSET)
    params = {"Action": "GetUser", "Version": "2010-05-08"}
    now = datetime.datetime.utcnow()
    ahead = raw_call(env_obj.endpoint, params, env_obj.admin_creds, when=now + datetime.timedelta(seconds=BASE_OFFSET))
    real = raw_call(env_obj.endpoint, params, env_obj.admin_creds, when=now)
    if ahead.status != 200 or real.status != 403:
        pytest.skip(f"libfaketime does not move iamd's clock (signed a day ahead: {ahead.status}, signed now: "
                    f"{real.status}: {real.text[:200]})")
    env_obj.clock = clock
    yield env_obj
    shutil.rmtree(clock_dir, ignore_errors=True)


def _role(env):
    return env.new_role(trust_aws(env.arn("user", "admin")), managed_arns=[IAM_READONLY])


def test_assumed_role_session_expires_after_900_seconds(clock_iamd):
    env, clock = clock_iamd, clock_iamd.clock
    with clock.signing():
        role = _role(env)
        r = env.sts().assume_role(RoleArn=role["arn"], RoleSessionName="short", DurationSeconds=900)
    creds = session_creds(r)
    exp = _epoch(r["Credentials"]["Expiration"])
    # Issued on the server's (faked) clock.
    assert abs(exp - 900 - (time.time() + clock.offset)) < 5, (exp, clock.offset)
    # Clients made before the clock moves: only the request itself runs between move and check.
    iam, sts = env.iam(creds), env.sts(creds)

    clock.server_time_to(exp - 1, math.floor)  # t + 899 s
    with clock.signing():
        iam.list_users(MaxItems=1)
    clock.server_time_to(exp - 1, math.floor)
    with clock.signing():
        assert sts.get_caller_identity()["Arn"].endswith(f":assumed-role/{role['name']}/short")

    clock.server_time_to(exp + 1, math.ceil)  # t + 901 s
    with clock.signing():
        with aws_error("ExpiredToken", (400, 403)):
            iam.list_users(MaxItems=1)
        with aws_error("ExpiredToken", (400, 403)):
            sts.get_caller_identity()
        # Long-term keys are unaffected, and a new session works at the new time.
        env.iam().get_user()
        fresh = session_creds(env.sts().assume_role(RoleArn=role["arn"], RoleSessionName="fresh",
                                                    DurationSeconds=900))
        env.iam(fresh).list_users(MaxItems=1)


def test_get_session_token_expires(clock_iamd):
    env, clock = clock_iamd, clock_iamd.clock
    with clock.signing():
        u = env.new_user(policy(allow("iam:ListUsers")))
        r = env.sts(u["creds"]).get_session_token(DurationSeconds=900)
    sess = session_creds(r)
    exp = _epoch(r["Credentials"]["Expiration"])
    assert abs(exp - 900 - (time.time() + clock.offset)) < 5
    sts = env.sts(sess)

    clock.server_time_to(exp - 1, math.floor)  # t + 899 s
    with clock.signing():
        assert sts.get_caller_identity()["Arn"] == u["arn"]

    clock.server_time_to(exp + 1, math.ceil)  # t + 901 s
    with clock.signing():
        with aws_error("ExpiredToken", (400, 403)):
            sts.get_caller_identity()
        env.sts(u["creds"]).get_caller_identity()


def test_signature_sixteen_minutes_off_the_server_clock(clock_iamd):
    env, clock = clock_iamd, clock_iamd.clock
    clock.set(clock.offset + 3600)
    params = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
    server_now = datetime.datetime.utcnow() + datetime.timedelta(seconds=clock.offset)
    ok = raw_call(env.endpoint, params, env.admin_creds, when=server_now, service="sts")
    assert ok.status == 200, ok

    stale = raw_call(env.endpoint, params, env.admin_creds, when=server_now - datetime.timedelta(minutes=16),
                     service="sts")
    assert stale.status == 403, stale
    e = stale.error()
    assert e["code"] == "SignatureDoesNotMatch" and e["message"].startswith("Signature expired"), e

    future = raw_call(env.endpoint, params, env.admin_creds, when=server_now + datetime.timedelta(minutes=16),
                      service="sts")
    assert future.status == 403, future
    e = future.error()
    assert e["code"] == "SignatureDoesNotMatch" and e["message"].startswith("Signature not yet current"), e

    # Within the window (14 minutes off either way) the server accepts.
    for delta in (-14, 14):
        r = raw_call(env.endpoint, params, env.admin_creds, when=server_now + datetime.timedelta(minutes=delta),
                     service="sts")
        assert r.status == 200, (delta, r)

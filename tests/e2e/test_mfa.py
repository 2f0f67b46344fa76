"""Virtual MFA devices end to end, through boto3's IAM client on iamd's endpoint.

Codes are computed here from the seed CreateVirtualMFADevice returns (RFC 6238: HMAC-SHA-1, 30-second
steps, 6 digits) for this machine's clock, which is the server's (iamd runs on real time here). iamd
accepts a step within +-1 of its own, never a step at or before the last one it accepted for the device
(replay), and locks a device for 5 minutes after 5 consecutive wrong codes (Throttling, HTTP 400).
EnableMFADevice / ResyncMFADevice take two consecutive codes (steps t and t+1, both within the window).

To stay clear of a step boundary between computing a code and the server checking it, tests wait (at
most 3 s) when fewer than 3 s of the current step remain; one test waits for the next step (at most
30 s) because a successful resync needs a step after the one Enable accepted.
"""
import base64
import hashlib
import hmac
import struct
import time

from e2e_helpers import aws_error, doc, error_of, uname

STEP = 30


# --------------------------------------------------------------------------
# helpers


def seed_of(device):
    """The base32 seed text: AWS returns it base64-encoded (a blob), boto3 decodes that to bytes."""
    raw = device["Base32StringSeed"]
    return raw.decode("ascii") if isinstance(raw, bytes) else raw


def totp(seed_b32, step):
    key = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    v = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{v:06d}"


def current_step():
    """The current step, after waiting out the last 3 s of a step."""
    left = STEP - (time.time() % STEP)
    if left < 3:
        time.sleep(left + 0.2)
    return int(time.time() // STEP)


def wrong_code(seed_b32, step):
    """A code that is none of the window's codes around `step`."""
    real = {totp(seed_b32, s) for s in range(step - 3, step + 4)}
    c = (int(totp(seed_b32, step)) + 500_000) % 1_000_000
    while f"{c:06d}" in real:
        c = (c + 1) % 1_000_000
    return f"{c:06d}"


def new_device(iamd, name=None, **kw):
    d = iamd.iam().create_virtual_mfa_device(VirtualMFADeviceName=name or uname("mfa"), **kw)["VirtualMFADevice"]
    return d


def enable(iamd, user, device, client=None):
    """Enables with the previous and the current step's codes, so that the next step's code is still
    usable afterwards. Returns the step accepted last."""
    seed = seed_of(device)
    cur = current_step()
    (client or iamd.iam()).enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                                             AuthenticationCode1=totp(seed, cur - 1),
                                             AuthenticationCode2=totp(seed, cur))
    return cur


def png_size(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:16]
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


# --------------------------------------------------------------------------
# devices


def test_create_device_seed_and_qr(iamd):
    name = uname("mfa")
    d = new_device(iamd, name, Tags=[{"Key": "team", "Value": "sec"}])
    assert d["SerialNumber"] == f"arn:aws:iam::{iamd.account_id}:mfa/{name}"
    seed = seed_of(d)
    assert len(seed) == 32 and set(seed) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert len(base64.b32decode(seed)) == 20
    w, h = png_size(d["QRCodePNG"])
    assert w == h and w >= 100
    assert d.get("Tags") == [{"Key": "team", "Value": "sec"}]
    assert iamd.iam().list_mfa_device_tags(SerialNumber=d["SerialNumber"])["Tags"] == \
        [{"Key": "team", "Value": "sec"}]
    # The seed is returned once: listing shows the serial only.
    listed = [v for v in iamd.iam().list_virtual_mfa_devices()["VirtualMFADevices"]
              if v["SerialNumber"] == d["SerialNumber"]]
    assert listed and "Base32StringSeed" not in listed[0] and "QRCodePNG" not in listed[0]
    with aws_error("EntityAlreadyExists", 409):
        new_device(iamd, name)
    with aws_error("EntityAlreadyExists", 409):
        new_device(iamd, name.upper())


def test_create_device_with_path(iamd):
    name = uname("mfa")
    d = new_device(iamd, name, Path="/team/")
    assert d["SerialNumber"] == f"arn:aws:iam::{iamd.account_id}:mfa/team/{name}"
    iamd.iam().delete_virtual_mfa_device(SerialNumber=d["SerialNumber"])


def test_enable_list_deactivate_delete(iamd):
    admin = iamd.iam()
    user = iamd.new_user(name=uname("mfau"))
    d = new_device(iamd)
    serial = d["SerialNumber"]
    spare = new_device(iamd)

    enable(iamd, user["name"], d)
    devs = admin.list_mfa_devices(UserName=user["name"])["MFADevices"]
    assert [(x["UserName"], x["SerialNumber"]) for x in devs] == [(user["name"], serial)]
    assert abs(devs[0]["EnableDate"].timestamp() - time.time()) < 120

    assigned = {v["SerialNumber"]: v for v in
                admin.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]}
    assert serial in assigned and spare["SerialNumber"] not in assigned
    assert assigned[serial]["User"]["UserName"] == user["name"]
    assert assigned[serial]["User"]["Arn"] == user["arn"]
    assert "EnableDate" in assigned[serial]
    unassigned = {v["SerialNumber"] for v in
                  admin.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]}
    assert spare["SerialNumber"] in unassigned and serial not in unassigned
    anyd = {v["SerialNumber"] for v in admin.list_virtual_mfa_devices(AssignmentStatus="Any")["VirtualMFADevices"]}
    assert {serial, spare["SerialNumber"]} <= anyd
    with aws_error("ValidationError", 400):
        admin.list_virtual_mfa_devices(AssignmentStatus="Sometimes")

    # The user lists its own devices without UserName.
    admin.put_user_policy(UserName=user["name"], PolicyName="own", PolicyDocument=doc({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListMFADevices",
                       "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    own = iamd.iam(user["creds"]).list_mfa_devices()["MFADevices"]
    assert [x["SerialNumber"] for x in own] == [serial]

    # In use: cannot be enabled again, for this user or another, nor deleted.
    other = iamd.new_user(name=uname("mfau"))
    with aws_error("EntityAlreadyExists", 409):
        enable(iamd, other["name"], d)
    with aws_error("DeleteConflict", 409):
        admin.delete_virtual_mfa_device(SerialNumber=serial)
    # A user with a device cannot be deleted.
    with aws_error("DeleteConflict", 409):
        admin.delete_user(UserName=user["name"])

    with aws_error("NoSuchEntity", 404):
        admin.deactivate_mfa_device(UserName=other["name"], SerialNumber=serial)
    admin.deactivate_mfa_device(UserName=user["name"], SerialNumber=serial)
    assert admin.list_mfa_devices(UserName=user["name"])["MFADevices"] == []
    unassigned = {v["SerialNumber"] for v in
                  admin.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]}
    assert serial in unassigned

    admin.delete_virtual_mfa_device(SerialNumber=serial)
    admin.delete_virtual_mfa_device(SerialNumber=spare["SerialNumber"])
    with aws_error("NoSuchEntity", 404):
        admin.delete_virtual_mfa_device(SerialNumber=serial)
    assert serial not in {v["SerialNumber"] for v in admin.list_virtual_mfa_devices()["VirtualMFADevices"]}


def test_errors_for_missing_things(iamd):
    admin = iamd.iam()
    user = iamd.new_user(name=uname("mfau"))
    missing = f"arn:aws:iam::{iamd.account_id}:mfa/{uname('nope')}"
    with aws_error("NoSuchEntity", 404):
        admin.enable_mfa_device(UserName=user["name"], SerialNumber=missing, AuthenticationCode1="123456",
                                AuthenticationCode2="234567")
    d = new_device(iamd)
    with aws_error("NoSuchEntity", 404):
        enable(iamd, uname("nouser"), d)
    with aws_error("ValidationError", 400):
        admin.enable_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1="12345a", AuthenticationCode2="234567")
    with aws_error("NoSuchEntity", 404):
        admin.list_mfa_devices(UserName=uname("nouser"))
    with aws_error("NoSuchEntity", 404):
        admin.list_mfa_device_tags(SerialNumber=missing)
    admin.delete_virtual_mfa_device(SerialNumber=d["SerialNumber"])


def test_wrong_codes_refused(iamd):
    admin = iamd.iam()
    user = iamd.new_user(name=uname("mfau"))
    d = new_device(iamd)
    seed = seed_of(d)
    cur = current_step()
    # Wrong first code, and right codes in the wrong order.
    with aws_error("InvalidAuthenticationCode", 403):
        admin.enable_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=wrong_code(seed, cur), AuthenticationCode2=totp(seed, cur))
    with aws_error("InvalidAuthenticationCode", 403):
        admin.enable_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, cur), AuthenticationCode2=totp(seed, cur - 1))
    # Codes far outside the window.
    with aws_error("InvalidAuthenticationCode", 403):
        admin.enable_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, cur - 10), AuthenticationCode2=totp(seed, cur - 9))
    assert admin.list_mfa_devices(UserName=user["name"])["MFADevices"] == []
    # The right pair still works (3 failures < 5) and resets the count.
    enable(iamd, user["name"], d)
    assert len(admin.list_mfa_devices(UserName=user["name"])["MFADevices"]) == 1


def test_replayed_codes_refused_on_resync(iamd):
    admin = iamd.iam()
    user = iamd.new_user(name=uname("mfau"))
    d = new_device(iamd)
    seed = seed_of(d)
    cur = enable(iamd, user["name"], d)
    # The very codes Enable accepted.
    with aws_error("InvalidAuthenticationCode", 403):
        admin.resync_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, cur - 1), AuthenticationCode2=totp(seed, cur))
    # A pair ending in the next step starts at the accepted step: refused too.
    with aws_error("InvalidAuthenticationCode", 403):
        admin.resync_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, cur), AuthenticationCode2=totp(seed, cur + 1))
    # Once the clock has moved on, a fresh pair resyncs; then that pair is spent.
    while int(time.time() // STEP) <= cur:
        time.sleep(0.5)
    nxt = current_step()
    admin.resync_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                            AuthenticationCode1=totp(seed, nxt), AuthenticationCode2=totp(seed, nxt + 1))
    with aws_error("InvalidAuthenticationCode", 403):
        admin.resync_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, nxt), AuthenticationCode2=totp(seed, nxt + 1))
    with aws_error("NoSuchEntity", 404):
        other = iamd.new_user(name=uname("mfau"))
        admin.resync_mfa_device(UserName=other["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1="000000", AuthenticationCode2="000001")


def test_lockout_after_repeated_wrong_codes(iamd):
    admin = iamd.iam()
    user = iamd.new_user(name=uname("mfau"))
    d = new_device(iamd)
    seed = seed_of(d)
    cur = current_step()
    for i in range(5):
        with aws_error("InvalidAuthenticationCode", 403):
            admin.enable_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                    AuthenticationCode1=wrong_code(seed, cur + i),
                                    AuthenticationCode2=wrong_code(seed, cur + i + 1))
    # Locked: even the right codes are refused, with a throttling error.
    cur = current_step()
    with aws_error("Throttling", 400) as ei:
        admin.enable_mfa_device(UserName=user["name"], SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, cur - 1), AuthenticationCode2=totp(seed, cur))
    assert "locked" in error_of(ei.value)[2].lower()
    assert admin.list_mfa_devices(UserName=user["name"])["MFADevices"] == []
    # Another device is not affected.
    d2 = new_device(iamd)
    enable(iamd, user["name"], d2)
    assert [x["SerialNumber"] for x in admin.list_mfa_devices(UserName=user["name"])["MFADevices"]] == \
        [d2["SerialNumber"]]


def test_tags(iamd):
    admin = iamd.iam()
    d = new_device(iamd)
    s = d["SerialNumber"]
    assert admin.list_mfa_device_tags(SerialNumber=s)["Tags"] == []
    admin.tag_mfa_device(SerialNumber=s, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    admin.tag_mfa_device(SerialNumber=s, Tags=[{"Key": "A", "Value": "3"}])
    assert admin.list_mfa_device_tags(SerialNumber=s)["Tags"] == [{"Key": "A", "Value": "3"},
                                                                  {"Key": "b", "Value": "2"}]
    admin.untag_mfa_device(SerialNumber=s, TagKeys=["a"])
    assert admin.list_mfa_device_tags(SerialNumber=s)["Tags"] == [{"Key": "b", "Value": "2"}]
    with aws_error("NoSuchEntity", 404):
        admin.tag_mfa_device(SerialNumber=s + "x", Tags=[{"Key": "a", "Value": "1"}])
    admin.delete_virtual_mfa_device(SerialNumber=s)


def test_authorization_resources(iamd):
    """CreateVirtualMFADevice is decided on the device ARN, EnableMFADevice on the user ARN."""
    user = iamd.new_user(name=uname("mfau"))
    own_dev = user["name"]
    c = iamd.iam(user["creds"])
    iamd.iam().put_user_policy(UserName=user["name"], PolicyName="p", PolicyDocument=doc({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
             "Resource": "arn:aws:iam::*:mfa/${aws:username}"},
            {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ListMFADevices"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    d = c.create_virtual_mfa_device(VirtualMFADeviceName=own_dev)["VirtualMFADevice"]
    with aws_error("AccessDenied", 403):
        c.create_virtual_mfa_device(VirtualMFADeviceName=uname("other"))
    enable(iamd, user["name"], d, client=c)
    other = iamd.new_user(name=uname("mfau"))
    d2 = new_device(iamd)
    with aws_error("AccessDenied", 403):
        enable(iamd, other["name"], d2, client=c)
    with aws_error("AccessDenied", 403):
        c.list_virtual_mfa_devices()


# --------------------------------------------------------------------------
# AWS's documented "deny everything except MFA self-management unless MFA" policy

SELF_MANAGE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowViewAccountInfo", "Effect": "Allow", "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
         "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                    "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Sid": "AllowListUsersWithMFA", "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                       "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
         "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}


def test_deny_all_except_mfa_self_management_unless_mfa(iamd):
    user = iamd.new_user(SELF_MANAGE_MFA, name=uname("mfau"))
    c = iamd.iam(user["creds"])
    # Without MFA: MFA self-management works, everything else is denied.
    d = c.create_virtual_mfa_device(VirtualMFADeviceName=user["name"])["VirtualMFADevice"]
    cur = enable(iamd, user["name"], d, client=c)
    assert len(c.list_mfa_devices()["MFADevices"]) == 1
    with aws_error("AccessDenied", 403):
        c.list_users()
    # With MFA (the next step's code: Enable accepted up to `cur`).
    seed = seed_of(d)
    reply = iamd.sts(user["creds"]).get_session_token(SerialNumber=d["SerialNumber"], TokenCode=totp(seed, cur + 1))
    creds = reply["Credentials"]
    mc = iamd.iam((creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
    mc.list_users()
    # The code is spent: a second session with it is refused.
    with aws_error("AccessDenied", 403):
        iamd.sts(user["creds"]).get_session_token(SerialNumber=d["SerialNumber"], TokenCode=totp(seed, cur + 1))


def test_mfa_protected_role(iamd):
    """A role whose trust policy requires MFA: AssumeRole without a code is denied, with a wrong code
    refused, with the device's current code allowed, and the session carries MFA into later decisions."""
    user = iamd.new_user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "iam:*MFADevice*"], "Resource": "*"}]},
        name=uname("mfar"))
    c = iamd.iam(user["creds"])
    d = c.create_virtual_mfa_device(VirtualMFADeviceName=user["name"])["VirtualMFADevice"]
    cur = enable(iamd, user["name"], d, client=c)
    seed = seed_of(d)
    user_arn = iamd.iam().get_user(UserName=user["name"])["User"]["Arn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    role = iamd.iam().create_role(RoleName=uname("mfarole"), AssumeRolePolicyDocument=doc(trust))["Role"]
    iamd.iam().put_role_policy(RoleName=role["RoleName"], PolicyName="mfa-only", PolicyDocument=doc({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
                                                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
    sts = iamd.sts(user["creds"])
    with aws_error("AccessDenied", 403):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="no-mfa")
    with aws_error("AccessDenied", 403):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="bad-code", SerialNumber=d["SerialNumber"],
                        TokenCode=wrong_code(seed, cur + 1))
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="with-mfa", SerialNumber=d["SerialNumber"],
                            TokenCode=totp(seed, cur + 1))["Credentials"]
    rc = iamd.iam((creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
    rc.get_user(UserName=user["name"])  # the role's policy sees aws:MultiFactorAuthPresent = true

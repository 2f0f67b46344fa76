"""Access keys (and their effect on authentication), login profiles, the
account password policy, ChangePassword and account aliases."""
import datetime
import re

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import allow, aws_error, error_of, policy, uname

STRONG = "E2e-Str0ng-Passw0rd!#Abc"
STRONG2 = "Other-Str0ng-Passw0rd!#Xyz"


def test_create_access_key_shape_and_limit(admin):
    u = uname("ak")
    admin.create_user(UserName=u)
    k = admin.create_access_key(UserName=u)["AccessKey"]
    assert k["UserName"] == u
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", k["AccessKeyId"]), k["AccessKeyId"]
    assert len(k["SecretAccessKey"]) == 40
    assert re.fullmatch(r"[A-Za-z0-9/+]{40}", k["SecretAccessKey"])
    assert k["Status"] == "Active"
    assert isinstance(k["CreateDate"], datetime.datetime)

    k2 = admin.create_access_key(UserName=u)["AccessKey"]
    assert k2["AccessKeyId"] != k["AccessKeyId"]
    with aws_error("LimitExceeded", 409):
        admin.create_access_key(UserName=u)

    keys = admin.list_access_keys(UserName=u)
    assert keys["IsTruncated"] is False
    meta = {m["AccessKeyId"]: m for m in keys["AccessKeyMetadata"]}
    assert set(meta) == {k["AccessKeyId"], k2["AccessKeyId"]}
    for m in meta.values():
        assert m["UserName"] == u and m["Status"] == "Active"
        assert "SecretAccessKey" not in m
    with aws_error("NoSuchEntity", 404):
        admin.create_access_key(UserName=uname("ghost"))


def test_key_status_controls_authentication(iamd, admin):
    u = iamd.new_user(policy(allow("iam:GetUser")))
    c, name, key = u["client"], u["name"], u["access_key_id"]
    assert c.get_user()["User"]["UserName"] == name

    admin.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")
    assert admin.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with aws_error("InvalidClientTokenId", 403):
        c.get_user()

    admin.update_access_key(UserName=name, AccessKeyId=key, Status="Active")
    assert c.get_user()["User"]["UserName"] == name

    admin.delete_access_key(UserName=name, AccessKeyId=key)
    with aws_error("InvalidClientTokenId", 403):
        c.get_user()
    assert admin.list_access_keys(UserName=name)["AccessKeyMetadata"] == []
    with aws_error("NoSuchEntity", 404):
        admin.delete_access_key(UserName=name, AccessKeyId=key)


def test_update_access_key_errors(admin):
    u = uname("uak")
    admin.create_user(UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.update_access_key(UserName=u, AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Inactive")
    k = admin.create_access_key(UserName=u)["AccessKey"]["AccessKeyId"]
    with aws_error("ValidationError", 400):
        admin.update_access_key(UserName=u, AccessKeyId=k, Status="Paused")


def test_deleting_user_kills_its_key(iamd, admin):
    u = iamd.new_user(policy(allow("iam:GetUser")))
    admin.delete_user_policy(UserName=u["name"], PolicyName="inline")
    admin.delete_access_key(UserName=u["name"], AccessKeyId=u["access_key_id"])
    admin.delete_user(UserName=u["name"])
    with aws_error("InvalidClientTokenId", 403):
        u["client"].get_user()


def test_user_manages_own_keys_without_username(iamd):
    # Without UserName, key operations act on the caller (AWS behaviour).
    c = iamd.new_user_client(policy(allow(["iam:ListAccessKeys", "iam:CreateAccessKey",
                                           "iam:DeleteAccessKey"], "arn:aws:iam::*:user/${aws:username}")))
    me = c.e2e_user["name"]
    listed = c.list_access_keys()["AccessKeyMetadata"]
    assert [m["AccessKeyId"] for m in listed] == [c.e2e_user["access_key_id"]]
    k = c.create_access_key()["AccessKey"]
    assert k["UserName"] == me
    c.delete_access_key(AccessKeyId=k["AccessKeyId"])


def test_access_key_last_used(iamd, admin):
    u = iamd.new_user(policy(allow("iam:GetUser")))
    unused = admin.create_access_key(UserName=u["name"])["AccessKey"]["AccessKeyId"]
    r = admin.get_access_key_last_used(AccessKeyId=unused)
    assert r["UserName"] == u["name"]
    assert r["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert r["AccessKeyLastUsed"]["Region"] == "N/A"
    assert "LastUsedDate" not in r["AccessKeyLastUsed"]

    t0 = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    u["client"].get_user()
    r = admin.get_access_key_last_used(AccessKeyId=u["access_key_id"])
    last = r["AccessKeyLastUsed"]
    assert r["UserName"] == u["name"]
    assert last["ServiceName"] == "iam"
    assert last["Region"] == "us-east-1"
    assert isinstance(last["LastUsedDate"], datetime.datetime)
    assert last["LastUsedDate"] >= t0.replace(microsecond=0) - datetime.timedelta(seconds=60)
    with aws_error("NoSuchEntity", 404):
        admin.get_access_key_last_used(AccessKeyId="AKIAZZZZZZZZZZZZZZZZ")


# ---------------------------------------------------------------- login profiles


def test_login_profile_lifecycle(admin):
    u = uname("lp")
    admin.create_user(UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.get_login_profile(UserName=u)
    lp = admin.create_login_profile(UserName=u, Password=STRONG, PasswordResetRequired=True)["LoginProfile"]
    assert lp["UserName"] == u
    assert lp["PasswordResetRequired"] is True
    assert isinstance(lp["CreateDate"], datetime.datetime)
    assert "Password" not in lp
    with aws_error("EntityAlreadyExists", 409):
        admin.create_login_profile(UserName=u, Password=STRONG)

    g = admin.get_login_profile(UserName=u)["LoginProfile"]
    assert g["UserName"] == u and g["PasswordResetRequired"] is True

    admin.update_login_profile(UserName=u, PasswordResetRequired=False)
    assert admin.get_login_profile(UserName=u)["LoginProfile"]["PasswordResetRequired"] is False
    admin.update_login_profile(UserName=u, Password=STRONG2)

    admin.delete_login_profile(UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.get_login_profile(UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.delete_login_profile(UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.create_login_profile(UserName=uname("ghost"), Password=STRONG)


@pytest.fixture
def password_policy(admin):
    """Runs a test with no account password policy, and removes whatever the
    test set afterwards."""
    try:
        admin.delete_account_password_policy()
    except ClientError as e:
        assert error_of(e)[0] == "NoSuchEntity"
    yield admin
    try:
        admin.delete_account_password_policy()
    except ClientError:
        pass


def test_account_password_policy(iamd, password_policy):
    admin = password_policy
    with aws_error("NoSuchEntity", 404):
        admin.get_account_password_policy()
    admin.update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True, RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True, AllowUsersToChangePassword=True, MaxPasswordAge=90,
        PasswordReusePrevention=5, HardExpiry=False)
    pp = admin.get_account_password_policy()["PasswordPolicy"]
    assert pp["MinimumPasswordLength"] == 14
    assert pp["RequireSymbols"] is True and pp["RequireNumbers"] is True
    assert pp["RequireUppercaseCharacters"] is True and pp["RequireLowercaseCharacters"] is True
    assert pp["AllowUsersToChangePassword"] is True
    assert pp["MaxPasswordAge"] == 90 and pp["ExpirePasswords"] is True
    assert pp["PasswordReusePrevention"] == 5
    assert pp.get("HardExpiry", False) is False

    # UpdateAccountPasswordPolicy replaces the whole policy: omitted fields go to their defaults
    admin.update_account_password_policy(MinimumPasswordLength=8)
    pp = admin.get_account_password_policy()["PasswordPolicy"]
    assert pp["MinimumPasswordLength"] == 8
    assert pp["RequireSymbols"] is False and pp["RequireNumbers"] is False
    assert pp["ExpirePasswords"] is False
    assert "MaxPasswordAge" not in pp and "PasswordReusePrevention" not in pp

    with aws_error("ValidationError", 400):
        iamd.iam(parameter_validation=False).update_account_password_policy(MinimumPasswordLength=200)

    admin.delete_account_password_policy()
    with aws_error("NoSuchEntity", 404):
        admin.get_account_password_policy()
    with aws_error("NoSuchEntity", 404):
        admin.delete_account_password_policy()


def test_password_policy_enforced_on_login_profile(password_policy):
    admin = password_policy
    admin.update_account_password_policy(MinimumPasswordLength=20, RequireNumbers=True, RequireSymbols=True)
    u = uname("ppv")
    admin.create_user(UserName=u)
    with aws_error("PasswordPolicyViolation", 400):
        admin.create_login_profile(UserName=u, Password="Short1!")
    with aws_error("PasswordPolicyViolation", 400):
        admin.create_login_profile(UserName=u, Password="NoDigitsOrSymbolsButLongEnough")
    with aws_error("NoSuchEntity", 404):
        admin.get_login_profile(UserName=u)
    admin.create_login_profile(UserName=u, Password=STRONG)


def test_change_password_by_user(iamd, admin):
    c = iamd.new_user_client(policy(allow(["iam:ChangePassword", "iam:GetUser"],
                                          "arn:aws:iam::*:user/${aws:username}")))
    name = c.e2e_user["name"]
    admin.create_login_profile(UserName=name, Password=STRONG, PasswordResetRequired=True)

    # a wrong old password is refused and changes nothing
    with pytest.raises(ClientError) as ei:
        c.change_password(OldPassword="Not-The-Password-123!", NewPassword=STRONG2)
    code, status, _ = error_of(ei.value)
    assert 400 <= status < 500 and code, (code, status)

    c.change_password(OldPassword=STRONG, NewPassword=STRONG2)
    # AWS clears PasswordResetRequired once the user has changed the password
    assert admin.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    # the new password is now the current one
    c.change_password(OldPassword=STRONG2, NewPassword=STRONG + "2")
    with pytest.raises(ClientError):
        c.change_password(OldPassword=STRONG2, NewPassword=STRONG + "3")


def test_change_password_without_login_profile(iamd):
    c = iamd.new_user_client(policy(allow("iam:ChangePassword", "arn:aws:iam::*:user/${aws:username}")))
    with aws_error("NoSuchEntity", 404):
        c.change_password(OldPassword=STRONG, NewPassword=STRONG2)


def test_change_password_denied_without_permission(iamd, admin):
    c = iamd.new_user_client()
    admin.create_login_profile(UserName=c.e2e_user["name"], Password=STRONG)
    with aws_error("AccessDenied", 403):
        c.change_password(OldPassword=STRONG, NewPassword=STRONG2)


# ---------------------------------------------------------------- account alias


def test_account_alias(admin):
    for a in admin.list_account_aliases()["AccountAliases"]:
        admin.delete_account_alias(AccountAlias=a)
    alias = f"e2e-{uname('a')[2:]}".lower()
    admin.create_account_alias(AccountAlias=alias)
    r = admin.list_account_aliases()
    assert r["AccountAliases"] == [alias]
    assert r["IsTruncated"] is False
    with aws_error("ValidationError", 400):
        admin.create_account_alias(AccountAlias="Bad_Alias")
    with aws_error("ValidationError", 400):
        admin.create_account_alias(AccountAlias="bad--alias")
    admin.delete_account_alias(AccountAlias=alias)
    assert admin.list_account_aliases()["AccountAliases"] == []
    with aws_error("NoSuchEntity", 404):
        admin.delete_account_alias(AccountAlias=alias)


def test_account_alias_taken_by_other_account(admin, iamd, other_account):
    alias = f"e2e-x{uname('a')[2:]}".lower()
    admin.create_account_alias(AccountAlias=alias)
    try:
        with aws_error("EntityAlreadyExists", 409):
            iamd.iam(other_account["creds"]).create_account_alias(AccountAlias=alias)
    finally:
        admin.delete_account_alias(AccountAlias=alias)

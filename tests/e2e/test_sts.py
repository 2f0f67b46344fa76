"""STS end to end: GetCallerIdentity, AssumeRole, GetSessionToken, GetAccessKeyInfo and requests signed
with temporary credentials, through boto3's `sts` client on iamd's one endpoint and the `aws` CLI.

Expectations follow AWS STS (API version 2011-06-15): reply shapes, AccessDenied/ValidationError/
InvalidClientTokenId codes and HTTP statuses, the assumed-role ARN and id forms, the 1-hour cap of role
chaining, session policies and tags narrowing/feeding later decisions, `aws:TokenIssueTime` revocation, and
an `aws eks get-token` token built from the largest session staying under Kubernetes' 4,096 bytes.
"""
import base64
import datetime
import json
import random
import re
import string
import time
import urllib.parse

import boto3
import pytest
from botocore.config import Config

from e2e_helpers import (STS_NS, allow, aws_error, deny, doc, error_of, policy, send, session_creds, trust_aws,
                         uname)

IAM_READONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
ACCESS_KEY_RE = re.compile(r"^ASIA[A-Z0-9]{16}$")


# --------------------------------------------------------------------------
# helpers


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def admin_arn(iamd):
    return iamd.arn("user", "admin")


def assume(iamd, role_arn, creds=None, name="s1", **kw):
    """AssumeRole with `creds` (default: admin); returns the whole reply."""
    return iamd.sts(creds).assume_role(RoleArn=role_arn, RoleSessionName=name, **kw)


def assumed_arn(iamd, role_name, session, account=None):
    return f"arn:aws:sts::{account or iamd.account_id}:assumed-role/{role_name}/{session}"


def readonly_role(iamd, trust=None, **kw):
    """A role trusting the admin user with IAMReadOnlyAccess attached."""
    return iamd.new_role(trust or trust_aws(admin_arn(iamd)), managed_arns=[IAM_READONLY], **kw)


def flip(s, i):
    """`s` with the character at i replaced by a different base64 character."""
    c = s[i]
    return s[:i] + ("A" if c != "A" else "B") + s[i + 1:]


# --------------------------------------------------------------------------
# GetCallerIdentity


def test_get_caller_identity_user(iamd):
    r = iamd.sts().get_caller_identity()
    me = iamd.iam().get_user()["User"]
    assert r["Account"] == iamd.account_id
    assert r["Arn"] == me["Arn"] == admin_arn(iamd)
    assert r["UserId"] == me["UserId"] and r["UserId"].startswith("AIDA")


def test_get_caller_identity_needs_no_permission(iamd):
    # AWS: "No permissions are required ... even an explicit deny of sts:GetCallerIdentity does not stop it."
    u = iamd.new_user(policy(deny("*")))
    r = iamd.sts(u["creds"]).get_caller_identity()
    assert r["Arn"] == u["arn"] and r["UserId"] == u["user_id"] and r["Account"] == iamd.account_id


def test_get_caller_identity_root(iamd_factory):
    env = iamd_factory("root", root_key=True)
    if env.root_creds is None:
        pytest.skip(f"no root access key: {env.root_error}")
    r = env.sts(env.root_creds).get_caller_identity()
    assert r["Account"] == env.account_id
    assert r["UserId"] == env.account_id
    assert r["Arn"] == f"arn:aws:iam::{env.account_id}:root"


def test_get_caller_identity_assumed_role(iamd):
    role = readonly_role(iamd, path="/app/team/")
    creds = session_creds(assume(iamd, role["arn"], name="who-am-i"))
    r = iamd.sts(creds).get_caller_identity()
    # The role's path is not part of the assumed-role ARN.
    assert r["Arn"] == assumed_arn(iamd, role["name"], "who-am-i")
    assert r["UserId"] == f"{role['role_id']}:who-am-i" and r["UserId"].startswith("AROA")
    assert r["Account"] == iamd.account_id


def test_get_access_key_info(iamd, other_account):
    sts = iamd.sts()
    assert sts.get_access_key_info(AccessKeyId=iamd.admin_creds[0])["Account"] == iamd.account_id
    assert sts.get_access_key_info(AccessKeyId=other_account["creds"][0])["Account"] == other_account["account_id"]
    creds = session_creds(assume(iamd, readonly_role(iamd)["arn"]))
    assert sts.get_access_key_info(AccessKeyId=creds[0])["Account"] == iamd.account_id


# --------------------------------------------------------------------------
# AssumeRole: reply, use of the credentials


def test_assume_role_reply_and_credentials(iamd):
    role = readonly_role(iamd, path="/svc/")
    t0 = utcnow()
    r = assume(iamd, role["arn"], name="e2e.session@x", DurationSeconds=1200)
    u = r["AssumedRoleUser"]
    assert u["Arn"] == assumed_arn(iamd, role["name"], "e2e.session@x")
    assert u["AssumedRoleId"] == f"{role['role_id']}:e2e.session@x"
    c = r["Credentials"]
    assert ACCESS_KEY_RE.match(c["AccessKeyId"]), c["AccessKeyId"]
    assert len(c["SecretAccessKey"]) == 40
    assert c["SessionToken"] and len(c["SessionToken"]) > 20
    exp = c["Expiration"]
    assert exp.tzinfo is not None
    assert t0 + datetime.timedelta(seconds=1200 - 5) <= exp <= utcnow() + datetime.timedelta(seconds=1200 + 5)
    # No session policy and no tags: AWS leaves PackedPolicySize out.
    assert "PackedPolicySize" not in r
    # Two sessions never share a key.
    r2 = assume(iamd, role["arn"], name="e2e.session@x")
    assert r2["Credentials"]["AccessKeyId"] != c["AccessKeyId"]
    assert r2["Credentials"]["SecretAccessKey"] != c["SecretAccessKey"]


def test_assume_role_default_duration_is_one_hour(iamd):
    t0 = utcnow()
    exp = assume(iamd, readonly_role(iamd)["arn"])["Credentials"]["Expiration"]
    assert t0 + datetime.timedelta(seconds=3600 - 5) <= exp <= utcnow() + datetime.timedelta(seconds=3600 + 5)


def test_assumed_role_credentials_get_the_role_permissions(iamd):
    role = readonly_role(iamd)
    creds = session_creds(assume(iamd, role["arn"], name="reader"))
    iam = iamd.iam(creds)
    names = [u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]]
    assert "admin" in names
    iam.get_role(RoleName=role["name"])
    target = uname("nope")
    with aws_error("AccessDenied", 403) as ei:
        iam.create_user(UserName=target)
    msg = error_of(ei.value)[2]
    assert assumed_arn(iamd, role["name"], "reader") in msg, msg
    assert "iam:CreateUser" in msg, msg
    with aws_error("NoSuchEntity", 404):
        iamd.iam().get_user(UserName=target)


def test_assume_role_trust_not_naming_caller(iamd):
    other = iamd.new_user()
    role = readonly_role(iamd, trust=trust_aws(other["arn"]))
    with aws_error("AccessDenied", 403) as ei:
        assume(iamd, role["arn"])
    msg = error_of(ei.value)[2]
    assert "sts:AssumeRole" in msg and role["arn"] in msg and admin_arn(iamd) in msg, msg


def test_same_account_trust_naming_the_user_needs_no_identity_policy(iamd):
    # A role trust policy is a resource policy: naming the user's ARN is enough in the same account.
    u = iamd.new_user()
    role = readonly_role(iamd, trust=trust_aws(u["arn"]))
    r = assume(iamd, role["arn"], creds=u["creds"])
    assert r["AssumedRoleUser"]["Arn"] == assumed_arn(iamd, role["name"], "s1")


def test_trust_naming_the_account_needs_an_identity_policy(iamd):
    role = readonly_role(iamd, trust=trust_aws(f"arn:aws:iam::{iamd.account_id}:root"))
    bare = iamd.new_user()
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"], creds=bare["creds"])
    allowed = iamd.new_user(policy(allow("sts:AssumeRole", role["arn"])))
    assume(iamd, role["arn"], creds=allowed["creds"])
    denied = iamd.new_user(policy(allow("sts:AssumeRole", role["arn"]), deny("sts:AssumeRole", role["arn"])))
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"], creds=denied["creds"])


def test_assume_role_cross_account(iamd, other_account):
    oid = other_account["account_id"]
    role = readonly_role(iamd, trust=trust_aws(f"arn:aws:iam::{oid}:root"))
    # The other account's admin (AdministratorAccess) may; its policy-less user may not.
    r = assume(iamd, role["arn"], creds=other_account["creds"], name="xacct")
    assert r["AssumedRoleUser"]["Arn"] == assumed_arn(iamd, role["name"], "xacct")
    ident = iamd.sts(session_creds(r)).get_caller_identity()
    assert ident["Account"] == iamd.account_id
    other_admin = iamd.iam(other_account["creds"])
    name = uname("xu")
    other_admin.create_user(UserName=name)
    k = other_admin.create_access_key(UserName=name)["AccessKey"]
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"], creds=(k["AccessKeyId"], k["SecretAccessKey"]))
    # A role that does not trust the other account.
    mine = readonly_role(iamd)
    with aws_error("AccessDenied", 403):
        assume(iamd, mine["arn"], creds=other_account["creds"])


def test_assume_role_unknown_role(iamd):
    with aws_error("AccessDenied", 403):
        assume(iamd, iamd.arn("role", uname("ghost")))


# --------------------------------------------------------------------------
# ExternalId, DurationSeconds, RoleSessionName


def test_external_id(iamd):
    trust = trust_aws(admin_arn(iamd), condition={"StringEquals": {"sts:ExternalId": "ext-7f3a"}})
    role = readonly_role(iamd, trust=trust)
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"])
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"], ExternalId="ext-0000")
    r = assume(iamd, role["arn"], ExternalId="ext-7f3a")
    assert ACCESS_KEY_RE.match(r["Credentials"]["AccessKeyId"])


def test_duration_above_max_session_duration(iamd):
    role = readonly_role(iamd, max_session=3600)
    with aws_error("ValidationError", 400) as ei:
        assume(iamd, role["arn"], DurationSeconds=3601)
    assert "MaxSessionDuration" in error_of(ei.value)[2] or "DurationSeconds" in error_of(ei.value)[2]
    assume(iamd, role["arn"], DurationSeconds=3600)
    long_role = readonly_role(iamd, max_session=43200)
    assume(iamd, long_role["arn"], DurationSeconds=43200)
    with aws_error("ValidationError", 400):
        assume(iamd, long_role["arn"], DurationSeconds=43201)


@pytest.mark.parametrize("bad", ["bad name", "x/y", "semi;colon", "s" * 65])
def test_role_session_name_invalid(iamd, bad):
    role = readonly_role(iamd)
    with aws_error("ValidationError", 400):
        assume(iamd, role["arn"], name=bad)


# --------------------------------------------------------------------------
# Role chaining


def test_role_chaining(iamd):
    b_name = uname("chain-b")
    b_arn = iamd.arn("role", b_name)
    a = iamd.new_role(trust_aws(admin_arn(iamd)), managed_arns=[IAM_READONLY],
                      inline=policy(allow("sts:AssumeRole", b_arn)))
    b = iamd.new_role(trust_aws([a["arn"], admin_arn(iamd)]), name=b_name, managed_arns=[IAM_READONLY],
                      max_session=7200)
    a_creds = session_creds(assume(iamd, a["arn"], name="first", DurationSeconds=3600))
    r = assume(iamd, b["arn"], creds=a_creds, name="second")
    assert r["AssumedRoleUser"]["Arn"] == assumed_arn(iamd, b_name, "second")
    ident = iamd.sts(session_creds(r)).get_caller_identity()
    assert ident["Arn"] == assumed_arn(iamd, b_name, "second")
    assert ident["UserId"] == f"{b['role_id']}:second"
    iamd.iam(session_creds(r)).list_users(MaxItems=5)
    # Chained sessions are capped at one hour even when the role allows more...
    with aws_error("ValidationError", 400):
        assume(iamd, b["arn"], creds=a_creds, name="second", DurationSeconds=3601)
    # ...which a user (not chaining) gets.
    assume(iamd, b["arn"], name="direct", DurationSeconds=7200)
    # A role that does not trust role A refuses its session.
    c = readonly_role(iamd)
    with aws_error("AccessDenied", 403):
        assume(iamd, c["arn"], creds=a_creds)


# --------------------------------------------------------------------------
# Session policies


def test_session_policy_narrows(iamd):
    role = readonly_role(iamd)
    sp = policy(allow(["iam:GetUser", "iam:CreateUser"]))
    r = assume(iamd, role["arn"], name="narrow", Policy=json.dumps(sp))
    assert isinstance(r.get("PackedPolicySize"), int) and 0 <= r["PackedPolicySize"] <= 100, r
    iam = iamd.iam(session_creds(r))
    assert iam.get_user(UserName="admin")["User"]["UserName"] == "admin"
    with aws_error("AccessDenied", 403):
        iam.list_users()
    # A session policy never grants more than the role has.
    with aws_error("AccessDenied", 403):
        iam.create_user(UserName=uname("sp"))


def test_session_policy_arns_narrow(iamd):
    role = readonly_role(iamd)
    p = iamd.iam().create_policy(PolicyName=uname("sp"), PolicyDocument=doc(policy(allow("iam:GetUser"))))
    r = assume(iamd, role["arn"], name="narrow-arn", PolicyArns=[{"arn": p["Policy"]["Arn"]}])
    iam = iamd.iam(session_creds(r))
    iam.get_user(UserName="admin")
    with aws_error("AccessDenied", 403):
        iam.list_users()


def test_session_policy_malformed(iamd):
    role = readonly_role(iamd)
    with aws_error("MalformedPolicyDocument", 400):
        assume(iamd, role["arn"], Policy='{"Version": "2012-10-17", "Statement": [')


# --------------------------------------------------------------------------
# Session tags, transitive tags, source identity


def tag_role(iamd, trust_principals, extra_actions=(), role_tags=None, extra_statements=()):
    """A role whose policy allows iam:GetUser on users named '${aws:PrincipalTag/team}-*'."""
    trust = trust_aws(trust_principals, actions=["sts:AssumeRole", "sts:TagSession", *extra_actions])
    pol = policy(allow("iam:GetUser", "arn:aws:iam::*:user/${aws:PrincipalTag/team}-*"), *extra_statements)
    return iamd.new_role(trust, inline=pol, tags=role_tags)


def test_session_tags_feed_principal_tag(iamd):
    blue, red = uname("blue"), uname("red")
    for n in (blue, red):
        iamd.iam().create_user(UserName=n)
    role = tag_role(iamd, admin_arn(iamd), role_tags=[{"Key": "team", "Value": "red"}])
    r = assume(iamd, role["arn"], name="tagged", Tags=[{"Key": "team", "Value": "blue"}])
    assert isinstance(r.get("PackedPolicySize"), int)
    iam = iamd.iam(session_creds(r))
    iam.get_user(UserName=blue)
    with aws_error("AccessDenied", 403):
        iam.get_user(UserName=red)
    # Without a session tag the role's own tag is the principal tag.
    iam = iamd.iam(session_creds(assume(iamd, role["arn"], name="untagged")))
    iam.get_user(UserName=red)
    with aws_error("AccessDenied", 403):
        iam.get_user(UserName=blue)


def test_session_tags_need_tag_session_in_trust(iamd):
    role = readonly_role(iamd)  # trust allows sts:AssumeRole only
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"], Tags=[{"Key": "team", "Value": "blue"}])


def test_transitive_tags_carried_into_chained_session(iamd):
    blue, red, green = uname("blue"), uname("red"), uname("green")
    for n in (blue, red, green):
        iamd.iam().create_user(UserName=n)
    b_name = uname("tt-b")
    b_arn = iamd.arn("role", b_name)
    a = iamd.new_role(trust_aws(admin_arn(iamd), actions=["sts:AssumeRole", "sts:TagSession"]),
                      inline=policy(allow(["sts:AssumeRole", "sts:TagSession"], b_arn)))
    proj_stmt = allow("iam:GetUser", "arn:aws:iam::*:user/${aws:PrincipalTag/proj}-*")
    b = iamd.new_role(trust_aws(a["arn"], actions=["sts:AssumeRole", "sts:TagSession"]), name=b_name,
                      inline=policy(allow("iam:GetUser", "arn:aws:iam::*:user/${aws:PrincipalTag/team}-*"),
                                    proj_stmt))
    a_creds = session_creds(assume(iamd, a["arn"], name="sa", Tags=[{"Key": "team", "Value": "blue"},
                                                                      {"Key": "proj", "Value": "green"}],
                                   TransitiveTagKeys=["team"]))
    iam = iamd.iam(session_creds(assume(iamd, b["arn"], creds=a_creds, name="sb")))
    iam.get_user(UserName=blue)  # team=blue was transitive
    with aws_error("AccessDenied", 403):
        iam.get_user(UserName=red)
    with aws_error("AccessDenied", 403):
        iam.get_user(UserName=green)  # proj was not transitive


def test_source_identity(iamd):
    role = iamd.new_role(trust_aws(admin_arn(iamd), actions=["sts:AssumeRole", "sts:SetSourceIdentity"]),
                         inline=policy(allow("iam:GetUser", "*",
                                             Condition={"StringEquals": {"aws:SourceIdentity": "alice@example.com"}})))
    r = assume(iamd, role["arn"], name="si", SourceIdentity="alice@example.com")
    assert r.get("SourceIdentity") == "alice@example.com"
    iamd.iam(session_creds(r)).get_user(UserName="admin")  # aws:SourceIdentity reaches the decision
    plain = assume(iamd, role["arn"], name="nosi")
    assert "SourceIdentity" not in plain
    with aws_error("AccessDenied", 403):
        iamd.iam(session_creds(plain)).get_user(UserName="admin")
    # Setting a source identity needs sts:SetSourceIdentity in the trust policy.
    no_si = readonly_role(iamd)
    with aws_error("AccessDenied", 403):
        assume(iamd, no_si["arn"], SourceIdentity="alice@example.com")
    with aws_error("ValidationError", 400):
        assume(iamd, role["arn"], SourceIdentity="not valid!")


# --------------------------------------------------------------------------
# GetSessionToken


def test_get_session_token(iamd):
    role = readonly_role(iamd, trust=trust_aws(f"arn:aws:iam::{iamd.account_id}:root"))
    u = iamd.new_user(policy(allow("sts:AssumeRole", role["arn"]), allow("iam:ListUsers")))
    t0 = utcnow()
    r = iamd.sts(u["creds"]).get_session_token(DurationSeconds=900)
    assert "AssumedRoleUser" not in r
    c = r["Credentials"]
    assert ACCESS_KEY_RE.match(c["AccessKeyId"]) and len(c["SecretAccessKey"]) == 40 and c["SessionToken"]
    assert t0 + datetime.timedelta(seconds=895) <= c["Expiration"] <= utcnow() + datetime.timedelta(seconds=905)
    sess = session_creds(r)
    ident = iamd.sts(sess).get_caller_identity()
    assert ident["Arn"] == u["arn"] and ident["UserId"] == u["user_id"]
    # The session carries the user's identity policies: its AssumeRole is allowed like the user's...
    assumed = assume(iamd, role["arn"], creds=sess, name="from-gst")
    assert assumed["AssumedRoleUser"]["Arn"] == assumed_arn(iamd, role["name"], "from-gst")
    # ...and refused for a user whose policies do not allow it.
    v = iamd.new_user(policy(allow("iam:ListUsers")))
    v_sess = session_creds(iamd.sts(v["creds"]).get_session_token())
    with aws_error("AccessDenied", 403):
        assume(iamd, role["arn"], creds=v_sess)


def test_get_session_token_default_duration_is_12_hours(iamd):
    u = iamd.new_user()
    t0 = utcnow()
    exp = iamd.sts(u["creds"]).get_session_token()["Credentials"]["Expiration"]
    assert t0 + datetime.timedelta(hours=12, seconds=-5) <= exp <= utcnow() + datetime.timedelta(hours=12, seconds=5)


def test_get_session_token_without_mfa_cannot_call_iam(iamd):
    # AWS: credentials from GetSessionToken without MFA cannot call the IAM API.
    u = iamd.new_user(policy(allow("iam:ListUsers")))
    sess = session_creds(iamd.sts(u["creds"]).get_session_token(DurationSeconds=900))
    with aws_error(("AccessDenied", "InvalidClientTokenId"), 403):
        iamd.iam(sess).list_users()


def test_get_session_token_with_session_credentials_is_denied(iamd):
    u = iamd.new_user()
    sess = session_creds(iamd.sts(u["creds"]).get_session_token(DurationSeconds=900))
    with aws_error("AccessDenied", 403):
        iamd.sts(sess).get_session_token()
    role_sess = session_creds(assume(iamd, readonly_role(iamd)["arn"]))
    with aws_error("AccessDenied", 403):
        iamd.sts(role_sess).get_session_token()


def test_get_session_token_unknown_mfa_device(iamd):
    u = iamd.new_user()
    serial = f"arn:aws:iam::{iamd.account_id}:mfa/{uname('nodev')}"
    with aws_error("AccessDenied", 403):
        iamd.sts(u["creds"]).get_session_token(SerialNumber=serial, TokenCode="123456")


# --------------------------------------------------------------------------
# Bad tokens, deleted roles, revocation


def test_tampered_session_token(iamd):
    role = readonly_role(iamd)
    key, secret, token = session_creds(assume(iamd, role["arn"]))
    iamd.sts((key, secret, token)).get_caller_identity()
    for i in (len(token) // 2, 5):
        with aws_error("InvalidClientTokenId", 403):
            iamd.sts((key, secret, flip(token, i))).get_caller_identity()
    with aws_error("InvalidClientTokenId", 403):
        iamd.iam((key, secret, flip(token, len(token) // 3))).list_users()
    # A session token presented with another session's key id.
    key2, secret2, _ = session_creds(assume(iamd, role["arn"]))
    with aws_error("InvalidClientTokenId", 403):
        iamd.sts((key2, secret2, token)).get_caller_identity()
    # A temporary key without its token.
    with aws_error("InvalidClientTokenId", 403):
        iamd.sts((key, secret)).get_caller_identity()
    # A long-term key with a (valid) token of some session.
    with aws_error("InvalidClientTokenId", 403):
        iamd.sts((*iamd.admin_creds, token)).get_caller_identity()


def test_wrong_secret_for_session_key(iamd):
    key, secret, token = session_creds(assume(iamd, readonly_role(iamd)["arn"]))
    with aws_error("SignatureDoesNotMatch", 403):
        iamd.sts((key, secret[:-1] + ("A" if secret[-1] != "A" else "B"), token)).get_caller_identity()


def test_deleting_the_role_invalidates_its_sessions(iamd):
    trust = trust_aws(admin_arn(iamd))
    role = readonly_role(iamd, trust=trust)
    creds = session_creds(assume(iamd, role["arn"]))
    iamd.iam(creds).list_users(MaxItems=1)
    admin = iamd.iam()
    admin.detach_role_policy(RoleName=role["name"], PolicyArn=IAM_READONLY)
    admin.delete_role(RoleName=role["name"])
    with aws_error(("InvalidClientTokenId", "AccessDenied"), 403):
        iamd.iam(creds).list_users(MaxItems=1)
    # A new role of the same name is another role (another unique id): the old session stays dead.
    again = readonly_role(iamd, trust=trust, name=role["name"])
    assert again["role_id"] != role["role_id"]
    with aws_error(("InvalidClientTokenId", "AccessDenied"), 403):
        iamd.iam(creds).list_users(MaxItems=1)
    iamd.iam(session_creds(assume(iamd, again["arn"]))).list_users(MaxItems=1)


def test_token_issue_time_deny_revokes_older_sessions(iamd):
    role = readonly_role(iamd)
    r1 = assume(iamd, role["arn"], name="old", DurationSeconds=900)
    old = session_creds(r1)
    iamd.iam(old).list_users(MaxItems=1)
    issued = r1["Credentials"]["Expiration"] - datetime.timedelta(seconds=900)
    cutoff = issued + datetime.timedelta(seconds=1)
    # The policy the IAM console's "Revoke active sessions" writes (AWSRevokeOlderSessions).
    revoke = policy({"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                     "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")}}})
    iamd.iam().put_role_policy(RoleName=role["name"], PolicyName="AWSRevokeOlderSessions",
                               PolicyDocument=json.dumps(revoke))
    with aws_error("AccessDenied", 403):
        iamd.iam(old).list_users(MaxItems=1)
    # A session issued at or after the cutoff works (at most one second to wait for it).
    wait = cutoff.timestamp() - time.time() + 0.05
    if wait > 0:
        time.sleep(wait)
    new = session_creds(assume(iamd, role["arn"], name="new", DurationSeconds=900))
    iamd.iam(new).list_users(MaxItems=1)


# --------------------------------------------------------------------------
# The aws CLI


def test_cli_assume_role_and_get_caller_identity(iamd):
    role = readonly_role(iamd)
    out = iamd.aws("sts", "assume-role", "--role-arn", role["arn"], "--role-session-name", "cli-session",
                   "--duration-seconds", "900")
    assert out["AssumedRoleUser"]["Arn"] == assumed_arn(iamd, role["name"], "cli-session")
    c = out["Credentials"]
    assert ACCESS_KEY_RE.match(c["AccessKeyId"])
    sess = (c["AccessKeyId"], c["SecretAccessKey"])
    ident = iamd.aws("sts", "get-caller-identity", creds=sess, env_extra={"AWS_SESSION_TOKEN": c["SessionToken"]})
    assert ident["Arn"] == assumed_arn(iamd, role["name"], "cli-session")
    assert ident["UserId"] == f"{role['role_id']}:cli-session" and ident["Account"] == iamd.account_id
    users = iamd.aws("iam", "list-users", creds=sess, env_extra={"AWS_SESSION_TOKEN": c["SessionToken"]})
    assert any(u["UserName"] == "admin" for u in users["Users"])


# --------------------------------------------------------------------------
# `aws eks get-token` with the largest session


def _largest_session_policy(account_id):
    """A valid session policy of exactly 2,048 characters."""
    def render(resources):
        return json.dumps(policy(allow(["iam:Get*", "iam:List*"], resources)), separators=(",", ":"))
    resources = [f"arn:aws:iam::{account_id}:user/admin"]
    while len(render(resources + [f"arn:aws:iam::{account_id}:user/u{len(resources):04d}"])) <= 2048:
        resources.append(f"arn:aws:iam::{account_id}:user/u{len(resources):04d}")
    resources[-1] += "p" * (2048 - len(render(resources)))
    s = render(resources)
    assert len(s) == 2048, len(s)
    return s


def _largest_tags():
    """50 tags with 128-character keys and 256-character values, hard to compress."""
    rnd = random.Random(4096)
    alphabet = string.ascii_letters + string.digits
    return [{"Key": f"k{i:02d}" + "".join(rnd.choice(alphabet) for _ in range(125)),
             "Value": "".join(rnd.choice(alphabet) for _ in range(256))} for i in range(50)]


def _eks_token(endpoint, creds, cluster="e2e-cluster"):
    """What `aws eks get-token` prints as status.token: its own TokenGenerator and header handlers."""
    try:
        from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator
    except ImportError as e:  # pragma: no cover - the CLI is a test dependency
        pytest.skip(f"awscli's eks customization is not importable: {e}")
    sts = boto3.session.Session().client(
        "sts", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=creds[0],
        aws_secret_access_key=creds[1], aws_session_token=creds[2],
        config=Config(signature_version="v4"))
    STSClientFactory(None)._register_k8s_aws_id_handlers(sts)
    return TokenGenerator(sts).get_token(cluster)


def test_eks_token_of_largest_session(iamd):
    role = iamd.new_role(trust_aws(admin_arn(iamd), actions=["sts:AssumeRole", "sts:TagSession"]),
                         managed_arns=[IAM_READONLY])
    sp, tags = _largest_session_policy(iamd.account_id), _largest_tags()
    r = assume(iamd, role["arn"], name="e" * 64, Policy=sp, Tags=tags,
               TransitiveTagKeys=[t["Key"] for t in tags])
    creds = session_creds(r)
    arn = assumed_arn(iamd, role["name"], "e" * 64)
    assert iamd.sts(creds).get_caller_identity()["Arn"] == arn
    # The session still works for what its policy allows.
    iamd.iam(creds).get_user(UserName="admin")

    for ep in (iamd.endpoint, "https://sts.us-east-1.amazonaws.com", "https://sts.amazonaws.com"):
        tok = _eks_token(ep, creds)
        assert tok.startswith("k8s-aws-v1.")
        assert len(tok) < 4096, f"eks token for {ep} is {len(tok)} bytes (session token {len(creds[2])})"

    # The presigned URL inside the token is a working GetCallerIdentity request (what a TokenReview does).
    tok = _eks_token(iamd.endpoint, creds)
    b64 = tok[len("k8s-aws-v1."):]
    url = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode()
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert q["Action"] == "GetCallerIdentity" and q["X-Amz-Expires"] == "60"
    assert "x-k8s-aws-id" in q["X-Amz-SignedHeaders"].split(";")
    assert q["X-Amz-Security-Token"] == creds[2]
    resp = send(url, "GET", headers={"x-k8s-aws-id": "e2e-cluster"})
    assert resp.status == 200, resp
    root = resp.xml()
    ns = {"s": STS_NS}
    assert root.tag == f"{{{STS_NS}}}GetCallerIdentityResponse", resp
    assert root.findtext("s:GetCallerIdentityResult/s:Arn", namespaces=ns) == arn
    assert root.findtext("s:GetCallerIdentityResult/s:Account", namespaces=ns) == iamd.account_id
    # The signed header is part of the signature: another cluster id does not verify.
    bad = send(url, "GET", headers={"x-k8s-aws-id": "other-cluster"})
    assert bad.status == 403, bad

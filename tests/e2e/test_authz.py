"""Policy enforcement on real requests (each user signs with its own key),
condition keys, cross-account isolation, and the policy simulator."""
import json

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import AWS_ADMIN, AWS_READONLY, allow, aws_error, deny, error_of, policy, uname


def _denied(call, **kw):
    with pytest.raises(ClientError) as ei:
        call(**kw)
    code, status, msg = error_of(ei.value)
    assert (code, status) == ("AccessDenied", 403), (code, status, msg)
    return msg


# ---------------------------------------------------------------- basics


def test_no_policies_means_access_denied_everywhere(iamd):
    c = iamd.new_user_client()
    me = c.e2e_user
    msg = _denied(c.list_users)
    prefix = (f"User: arn:aws:iam::{iamd.account_id}:user/{me['name']} is not authorized to perform: "
              f"iam:ListUsers on resource: arn:aws:iam::{iamd.account_id}:user/")
    assert msg.startswith(prefix), msg
    assert "because no identity-based policy allows the iam:ListUsers action" in msg, msg

    msg = _denied(c.get_user)  # even about itself
    assert f"iam:GetUser on resource: {me['arn']}" in msg, msg
    _denied(c.create_user, UserName=uname("nope"))
    _denied(c.list_roles)
    _denied(c.list_policies)
    _denied(c.get_account_summary)
    _denied(c.create_access_key)
    _denied(c.get_policy, PolicyArn=AWS_READONLY)
    msg = _denied(c.delete_user, UserName="admin")
    assert f"iam:DeleteUser on resource: arn:aws:iam::{iamd.account_id}:user/admin" in msg
    # nothing was done
    iamd.iam().get_user(UserName="admin")


def test_attached_policy_takes_effect_on_next_request(iamd, admin):
    c = iamd.new_user_client()
    name = c.e2e_user["name"]
    _denied(c.list_users)
    arn = admin.create_policy(PolicyName=uname("lu"), PolicyDocument=json.dumps(
        policy(allow("iam:ListUsers"))))["Policy"]["Arn"]
    admin.attach_user_policy(UserName=name, PolicyArn=arn)
    assert "Users" in c.list_users(MaxItems=1)
    _denied(c.list_roles)
    admin.detach_user_policy(UserName=name, PolicyArn=arn)
    _denied(c.list_users)


def test_explicit_deny_wins(iamd, admin):
    c = iamd.new_user_client(policy(allow("iam:*")))
    name = c.e2e_user["name"]
    c.list_users(MaxItems=1)
    admin.put_user_policy(UserName=name, PolicyName="deny", PolicyDocument=json.dumps(
        policy(deny("iam:ListUsers"))))
    msg = _denied(c.list_users)
    assert "with an explicit deny in an identity-based policy" in msg, msg
    c.list_roles(MaxItems=1)  # the rest of the allow still works
    admin.delete_user_policy(UserName=name, PolicyName="deny")
    c.list_users(MaxItems=1)


def test_deny_in_managed_policy_beats_admin(iamd, admin):
    c = iamd.new_user_client(managed_arns=[AWS_ADMIN])
    c.list_users(MaxItems=1)
    arn = admin.create_policy(PolicyName=uname("dn"), PolicyDocument=json.dumps(
        policy(deny("iam:List*"))))["Policy"]["Arn"]
    admin.attach_user_policy(UserName=c.e2e_user["name"], PolicyArn=arn)
    _denied(c.list_users)
    c.get_user()


def test_permissions_boundary_caps_admin(iamd, admin):
    c = iamd.new_user_client(managed_arns=[AWS_ADMIN])
    name = c.e2e_user["name"]
    c.list_users(MaxItems=1)
    pb = admin.create_policy(PolicyName=uname("pb"), PolicyDocument=json.dumps(
        policy(allow("iam:Get*"))))["Policy"]["Arn"]
    admin.put_user_permissions_boundary(UserName=name, PermissionsBoundary=pb)
    msg = _denied(c.list_users)
    assert "permissions boundary" in msg, msg
    assert c.get_user()["User"]["UserName"] == name
    admin.get_user(UserName=name)
    admin.delete_user_permissions_boundary(UserName=name)
    c.list_users(MaxItems=1)


def test_boundary_alone_grants_nothing(iamd, admin):
    c = iamd.new_user_client()
    admin.put_user_permissions_boundary(UserName=c.e2e_user["name"], PermissionsBoundary=AWS_ADMIN)
    _denied(c.get_user)


def test_group_policy_grants_to_members(iamd, admin):
    c = iamd.new_user_client()
    g = uname("ag")
    admin.create_group(GroupName=g)
    admin.put_group_policy(GroupName=g, PolicyName="gp", PolicyDocument=json.dumps(policy(allow("iam:ListUsers"))))
    _denied(c.list_users)
    admin.add_user_to_group(GroupName=g, UserName=c.e2e_user["name"])
    c.list_users(MaxItems=1)
    admin.remove_user_from_group(GroupName=g, UserName=c.e2e_user["name"])
    _denied(c.list_users)
    # a managed policy attached to the group works the same
    admin.attach_group_policy(GroupName=g, PolicyArn=AWS_READONLY)
    admin.add_user_to_group(GroupName=g, UserName=c.e2e_user["name"])
    c.list_roles(MaxItems=1)
    _denied(c.create_user, UserName=uname("ro"))


def test_resource_arn_scoping(iamd, admin):
    target, other = uname("tgt"), uname("oth")
    admin.create_user(UserName=target)
    admin.create_user(UserName=other)
    c = iamd.new_user_client(policy(allow("iam:GetUser", f"arn:aws:iam::{iamd.account_id}:user/{target}")))
    c.get_user(UserName=target)
    _denied(c.get_user, UserName=other)


def test_not_action_and_wildcards(iamd):
    c = iamd.new_user_client(policy({"Effect": "Allow", "NotAction": ["iam:Create*", "iam:Delete*"],
                                     "Resource": "*"}))
    c.list_users(MaxItems=1)
    c.get_user()
    _denied(c.create_group, GroupName=uname("na"))


# ---------------------------------------------------------------- condition keys


def test_aws_username_variable(iamd, admin):
    doc = policy(allow(["iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey",
                        "iam:UpdateAccessKey"], "arn:aws:iam::*:user/${aws:username}"))
    c = iamd.new_user_client(doc)
    me = c.e2e_user["name"]
    other = iamd.new_user()["name"]
    assert len(c.list_access_keys(UserName=me)["AccessKeyMetadata"]) == 1
    k = c.create_access_key(UserName=me)["AccessKey"]
    c.update_access_key(UserName=me, AccessKeyId=k["AccessKeyId"], Status="Inactive")
    c.delete_access_key(UserName=me, AccessKeyId=k["AccessKeyId"])
    _denied(c.list_access_keys, UserName=other)
    _denied(c.create_access_key, UserName=other)
    assert len(admin.list_access_keys(UserName=other)["AccessKeyMetadata"]) == 1


def test_request_tag_condition_on_create_user(iamd, admin):
    c = iamd.new_user_client(policy(allow(["iam:CreateUser", "iam:TagUser"], "*",
                                          Condition={"StringEquals": {"aws:RequestTag/team": "blue"}})))
    ok = uname("rt")
    c.create_user(UserName=ok, Tags=[{"Key": "team", "Value": "blue"}])
    assert admin.get_user(UserName=ok)["User"]["Tags"] == [{"Key": "team", "Value": "blue"}]
    bad = uname("rt")
    _denied(c.create_user, UserName=bad, Tags=[{"Key": "team", "Value": "red"}])
    _denied(c.create_user, UserName=bad)
    with aws_error("NoSuchEntity", 404):
        admin.get_user(UserName=bad)


def test_tag_keys_condition(iamd, admin):
    c = iamd.new_user_client(policy(allow(["iam:CreateUser", "iam:TagUser"], "*", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}})))
    c.create_user(UserName=uname("tk"), Tags=[{"Key": "team", "Value": "x"}, {"Key": "env", "Value": "y"}])
    bad = uname("tk")
    _denied(c.create_user, UserName=bad, Tags=[{"Key": "team", "Value": "x"}, {"Key": "secret", "Value": "y"}])
    with aws_error("NoSuchEntity", 404):
        admin.get_user(UserName=bad)


def test_resource_tag_condition(iamd, admin):
    dev, prod = uname("dev"), uname("prod")
    admin.create_user(UserName=dev, Tags=[{"Key": "env", "Value": "dev"}])
    admin.create_user(UserName=prod, Tags=[{"Key": "env", "Value": "prod"}])
    untagged = uname("unt")
    admin.create_user(UserName=untagged)
    c = iamd.new_user_client(policy(allow("iam:GetUser", "*", Condition={
        "StringEquals": {"aws:ResourceTag/env": "dev"}})))
    c.get_user(UserName=dev)
    _denied(c.get_user, UserName=prod)
    _denied(c.get_user, UserName=untagged)
    # the tag is read at request time
    admin.tag_user(UserName=prod, Tags=[{"Key": "env", "Value": "dev"}])
    c.get_user(UserName=prod)


def test_policy_arn_condition(iamd, admin):
    target = uname("pa")
    admin.create_user(UserName=target)
    c = iamd.new_user_client(policy(allow(["iam:AttachUserPolicy", "iam:DetachUserPolicy"], "*", Condition={
        "ArnEquals": {"iam:PolicyARN": AWS_READONLY}})))
    c.attach_user_policy(UserName=target, PolicyArn=AWS_READONLY)
    _denied(c.attach_user_policy, UserName=target, PolicyArn=AWS_ADMIN)
    assert [p["PolicyArn"] for p in admin.list_attached_user_policies(UserName=target)["AttachedPolicies"]] == \
        [AWS_READONLY]
    c.detach_user_policy(UserName=target, PolicyArn=AWS_READONLY)


def test_secure_transport_is_false_over_http(iamd):
    needs_tls = iamd.new_user_client(policy(allow("iam:ListUsers", "*", Condition={
        "Bool": {"aws:SecureTransport": "true"}})))
    _denied(needs_tls.list_users)
    plain = iamd.new_user_client(policy(allow("iam:ListUsers", "*", Condition={
        "Bool": {"aws:SecureTransport": "false"}})))
    plain.list_users(MaxItems=1)
    deny_plain = iamd.new_user_client(policy(allow("iam:*"), deny("*", "*", Condition={
        "Bool": {"aws:SecureTransport": "false"}})))
    _denied(deny_plain.get_user)


def test_source_ip_condition(iamd):
    local = iamd.new_user_client(policy(allow("iam:ListUsers", "*", Condition={
        "IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
    local.list_users(MaxItems=1)
    exact = iamd.new_user_client(policy(allow("iam:ListUsers", "*", Condition={
        "IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})))
    exact.list_users(MaxItems=1)
    elsewhere = iamd.new_user_client(policy(allow("iam:ListUsers", "*", Condition={
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    _denied(elsewhere.list_users)
    not_local = iamd.new_user_client(policy(allow("iam:*"), deny("iam:ListUsers", "*", Condition={
        "NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    _denied(not_local.list_users)


def test_principal_tag_condition(iamd, admin):
    c = iamd.new_user_client(policy(allow("iam:ListUsers", "*", Condition={
        "StringEquals": {"aws:PrincipalTag/dept": "eng"}})))
    _denied(c.list_users)
    admin.tag_user(UserName=c.e2e_user["name"], Tags=[{"Key": "dept", "Value": "eng"}])
    c.list_users(MaxItems=1)


# ---------------------------------------------------------------- cross-account


def test_cross_account_isolation(iamd, admin, other_account):
    b = iamd.iam(other_account["creds"])
    me_b = b.get_user()["User"]
    assert me_b["Arn"].startswith(f"arn:aws:iam::{other_account['account_id']}:user/")
    assert other_account["account_id"] != iamd.account_id

    a_user = uname("xa")
    admin.create_user(UserName=a_user)
    with aws_error("NoSuchEntity", 404):
        b.get_user(UserName=a_user)
    assert a_user not in [u["UserName"] for u in b.get_paginator("list_users").paginate().build_full_result()["Users"]]

    # the same name can exist in both accounts
    b_user = b.create_user(UserName=a_user)["User"]
    assert b_user["Arn"] == f"arn:aws:iam::{other_account['account_id']}:user/{a_user}"
    assert admin.get_user(UserName=a_user)["User"]["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/{a_user}"

    # A's customer managed policy cannot be attached in B
    a_pol = admin.create_policy(PolicyName=uname("xp"), PolicyDocument=json.dumps(
        policy(allow("iam:*"))))["Policy"]["Arn"]
    with aws_error(("NoSuchEntity", "AccessDenied"), (403, 404)):
        b.attach_user_policy(UserName=a_user, PolicyArn=a_pol)
    with aws_error(("NoSuchEntity", "AccessDenied"), (403, 404)):
        b.get_policy(PolicyArn=a_pol)
    with aws_error(("NoSuchEntity", "AccessDenied"), (403, 404)):
        b.delete_policy(PolicyArn=a_pol)
    admin.get_policy(PolicyArn=a_pol)
    # AWS-managed policies are shared by every account
    b.attach_user_policy(UserName=a_user, PolicyArn=AWS_READONLY)
    assert admin.list_attached_user_policies(UserName=a_user)["AttachedPolicies"] == []

    # deleting B's user leaves A's alone
    b.detach_user_policy(UserName=a_user, PolicyArn=AWS_READONLY)
    b.delete_user(UserName=a_user)
    admin.get_user(UserName=a_user)


def test_cross_account_user_keys_do_not_act_in_other_account(iamd, admin, other_account):
    b = iamd.iam(other_account["creds"])
    name = uname("xb")
    b.create_user(UserName=name)
    b.attach_user_policy(UserName=name, PolicyArn=AWS_ADMIN)
    k = b.create_access_key(UserName=name)["AccessKey"]
    cb = iamd.iam((k["AccessKeyId"], k["SecretAccessKey"]))
    assert cb.get_user()["User"]["Arn"] == f"arn:aws:iam::{other_account['account_id']}:user/{name}"
    listed = {u["UserName"] for u in cb.get_paginator("list_users").paginate().build_full_result()["Users"]}
    assert "admin" in listed  # B's own admin
    a_only = uname("aonly")
    admin.create_user(UserName=a_only)
    assert a_only not in listed
    with aws_error("NoSuchEntity", 404):
        cb.get_user(UserName=a_only)
    with aws_error("NoSuchEntity", 404):
        cb.delete_user(UserName=a_only)
    admin.get_user(UserName=a_only)


# ---------------------------------------------------------------- simulator


def test_simulate_principal_policy(iamd, admin):
    u = uname("sim")
    admin.create_user(UserName=u)
    admin.put_user_policy(UserName=u, PolicyName="simpol", PolicyDocument=json.dumps(policy(
        allow(["iam:ListUsers", "iam:DeleteUser"]), deny("iam:DeleteUser"))))
    arn = admin.get_user(UserName=u)["User"]["Arn"]
    r = admin.simulate_principal_policy(PolicySourceArn=arn,
                                        ActionNames=["iam:ListUsers", "iam:DeleteUser", "iam:ListRoles"])
    res = {e["EvalActionName"]: e for e in r["EvaluationResults"]}
    assert set(res) == {"iam:ListUsers", "iam:DeleteUser", "iam:ListRoles"}
    assert res["iam:ListUsers"]["EvalDecision"] == "allowed"
    assert res["iam:DeleteUser"]["EvalDecision"] == "explicitDeny"
    assert res["iam:ListRoles"]["EvalDecision"] == "implicitDeny"
    assert res["iam:ListUsers"]["EvalResourceName"] == "*"
    ms = res["iam:ListUsers"]["MatchedStatements"]
    assert ms and ms[0]["SourcePolicyId"] == "simpol"
    assert ms[0]["SourcePolicyType"] == "user"
    assert res["iam:ListRoles"]["MatchedStatements"] == []
    assert r["IsTruncated"] is False

    # managed policies count too
    admin.attach_user_policy(UserName=u, PolicyArn=AWS_READONLY)
    r = admin.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["iam:ListRoles"])
    assert r["EvaluationResults"][0]["EvalDecision"] == "allowed"

    with aws_error(("NoSuchEntity", "InvalidInput"), (400, 404)):
        admin.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{iamd.account_id}:user/{uname('ghost')}",
                                        ActionNames=["iam:ListUsers"])


def test_simulate_custom_policy(admin):
    doc = policy(allow("iam:GetUser"), deny("iam:DeleteUser"),
                 allow("iam:ListUsers", "*", Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))
    r = admin.simulate_custom_policy(PolicyInputList=[json.dumps(doc)],
                                     ActionNames=["iam:GetUser", "iam:DeleteUser", "iam:CreateRole", "iam:ListUsers"])
    res = {e["EvalActionName"]: e for e in r["EvaluationResults"]}
    assert res["iam:GetUser"]["EvalDecision"] == "allowed"
    assert res["iam:GetUser"]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert res["iam:DeleteUser"]["EvalDecision"] == "explicitDeny"
    assert res["iam:CreateRole"]["EvalDecision"] == "implicitDeny"
    assert res["iam:ListUsers"]["EvalDecision"] == "implicitDeny"
    assert [k.lower() for k in res["iam:ListUsers"]["MissingContextValues"]] == ["aws:sourceip"]

    r = admin.simulate_custom_policy(
        PolicyInputList=[json.dumps(doc)], ActionNames=["iam:ListUsers"],
        ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["192.0.2.7"],
                         "ContextKeyType": "ip"}])
    e = r["EvaluationResults"][0]
    assert e["EvalDecision"] == "allowed"
    assert e.get("MissingContextValues", []) == []

    r = admin.simulate_custom_policy(
        PolicyInputList=[json.dumps(doc)], ActionNames=["iam:ListUsers"],
        ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["203.0.113.1"],
                         "ContextKeyType": "ip"}])
    assert r["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"

    # resource ARNs are matched
    scoped = policy(allow("iam:GetUser", "arn:aws:iam::123456789012:user/alice"))
    r = admin.simulate_custom_policy(PolicyInputList=[json.dumps(scoped)], ActionNames=["iam:GetUser"],
                                     ResourceArns=["arn:aws:iam::123456789012:user/alice",
                                                   "arn:aws:iam::123456789012:user/bob"])
    by_res = {x["EvalResourceName"]: x["EvalDecision"] for x in r["EvaluationResults"]}
    assert by_res == {"arn:aws:iam::123456789012:user/alice": "allowed",
                      "arn:aws:iam::123456789012:user/bob": "implicitDeny"}

    with aws_error(("MalformedPolicyDocument", "InvalidInput"), 400):
        admin.simulate_custom_policy(PolicyInputList=["{nope"], ActionNames=["iam:GetUser"])


def test_get_context_keys_for_custom_policy(admin):
    doc = policy(
        allow("iam:ListUsers", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}",
              Condition={"StringEquals": {"aws:RequestTag/team": "blue"}, "Bool": {"aws:SecureTransport": "true"}}),
    )
    r = admin.get_context_keys_for_custom_policy(PolicyInputList=[json.dumps(doc)])
    got = {k.lower() for k in r["ContextKeyNames"]}
    assert {"aws:sourceip", "aws:requesttag/team", "aws:securetransport"} <= got
    assert len(r["ContextKeyNames"]) == len(got)  # no duplicates


def test_get_context_keys_for_principal_policy(iamd, admin):
    u = uname("ctx")
    admin.create_user(UserName=u)
    admin.put_user_policy(UserName=u, PolicyName="p", PolicyDocument=json.dumps(policy(
        allow("iam:ListUsers", "*", Condition={"StringEquals": {"aws:PrincipalTag/dept": "eng"}}))))
    r = admin.get_context_keys_for_principal_policy(PolicySourceArn=f"arn:aws:iam::{iamd.account_id}:user/{u}")
    assert "aws:principaltag/dept" in {k.lower() for k in r["ContextKeyNames"]}

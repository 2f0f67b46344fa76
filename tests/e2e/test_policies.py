"""Managed policies (customer and AWS), versions, attachments, inline
policies, account authorization details and summary, through boto3."""
import datetime
import json

import pytest

from e2e_helpers import AWS_ADMIN, AWS_READONLY, allow, aws_error, deny, paginate, policy, trust_service, uname

DOC1 = policy(allow(["iam:GetUser", "iam:ListUsers"]))
DOC2 = policy(allow("iam:ListRoles"), deny("iam:DeleteUser", "arn:aws:iam::*:user/protected-*"))


def _mk_policy(admin, doc=DOC1, path="/", name=None, **kw):
    name = name or uname("pol")
    return admin.create_policy(PolicyName=name, Path=path, PolicyDocument=json.dumps(doc), **kw)["Policy"]


def test_create_policy_reply_shape(iamd, admin):
    name = uname("cp")
    p = admin.create_policy(PolicyName=name, Path="/e2e/", PolicyDocument=json.dumps(DOC1),
                            Description="desc", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    assert p["PolicyName"] == name
    assert p["Arn"] == f"arn:aws:iam::{iamd.account_id}:policy/e2e/{name}"
    assert p["PolicyId"].startswith("ANPA") and len(p["PolicyId"]) == 21
    assert p["Path"] == "/e2e/"
    assert p["DefaultVersionId"] == "v1"
    assert p["AttachmentCount"] == 0
    assert p["PermissionsBoundaryUsageCount"] == 0
    assert p["IsAttachable"] is True
    assert isinstance(p["CreateDate"], datetime.datetime)
    assert isinstance(p["UpdateDate"], datetime.datetime)

    g = admin.get_policy(PolicyArn=p["Arn"])["Policy"]
    assert g["PolicyId"] == p["PolicyId"] and g["DefaultVersionId"] == "v1"
    assert g["Description"] == "desc"
    assert {t["Key"]: t["Value"] for t in g["Tags"]} == {"k": "v"}

    v = admin.get_policy_version(PolicyArn=p["Arn"], VersionId="v1")["PolicyVersion"]
    assert v["Document"] == DOC1
    assert v["VersionId"] == "v1" and v["IsDefaultVersion"] is True
    assert isinstance(v["CreateDate"], datetime.datetime)

    with aws_error("EntityAlreadyExists", 409):
        admin.create_policy(PolicyName=name, PolicyDocument=json.dumps(DOC1))


def test_create_policy_bad_documents(admin):
    bad_docs = [
        "{not json",
        json.dumps(policy({"Effect": "Permit", "Action": "iam:*", "Resource": "*"})),
        json.dumps(policy({"Effect": "Allow", "Resource": "*"})),  # no Action
        json.dumps(policy({"Effect": "Allow", "Action": "iam:*", "Resource": "*",
                           "Principal": {"AWS": "*"}})),  # Principal in an identity policy
        json.dumps(policy({"Effect": "Allow", "Action": "iam:*", "Resource": "*",
                           "Condition": {"StringEqualz": {"aws:username": "x"}}})),  # unknown operator
    ]
    for d in bad_docs:
        with aws_error("MalformedPolicyDocument", 400):
            admin.create_policy(PolicyName=uname("bad"), PolicyDocument=d)


def test_policy_versions(iamd, admin):
    arn = _mk_policy(admin)["Arn"]
    v2 = admin.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC2))["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is False
    assert admin.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    v3 = admin.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC2),
                                     SetAsDefault=True)["PolicyVersion"]
    assert v3["VersionId"] == "v3" and v3["IsDefaultVersion"] is True
    assert admin.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    assert admin.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]["Document"] == DOC2

    admin.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC1))
    admin.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC1))
    versions = admin.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2", "v3", "v4", "v5"]
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v3"]
    with aws_error("LimitExceeded", 409):
        admin.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC1))

    with aws_error("DeleteConflict", 409):
        admin.delete_policy_version(PolicyArn=arn, VersionId="v3")
    admin.delete_policy_version(PolicyArn=arn, VersionId="v1")
    with aws_error("NoSuchEntity", 404):
        admin.get_policy_version(PolicyArn=arn, VersionId="v1")
    with aws_error("NoSuchEntity", 404):
        admin.delete_policy_version(PolicyArn=arn, VersionId="v1")
    # version ids are never reused
    v6 = admin.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC1))["PolicyVersion"]
    assert v6["VersionId"] == "v6"

    admin.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert admin.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    versions = {v["VersionId"]: v["IsDefaultVersion"] for v in admin.list_policy_versions(PolicyArn=arn)["Versions"]}
    assert versions == {"v2": True, "v3": False, "v4": False, "v5": False, "v6": False}
    with aws_error("NoSuchEntity", 404):
        admin.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    with aws_error(("InvalidInput", "ValidationError"), 400):
        admin.set_default_policy_version(PolicyArn=arn, VersionId="bogus")

    with aws_error("MalformedPolicyDocument", 400):
        admin.create_policy_version(PolicyArn=arn, PolicyDocument="{]")

    # a policy with several versions: AWS refuses DeletePolicy until they are gone
    with aws_error("DeleteConflict", 409):
        admin.delete_policy(PolicyArn=arn)
    for v in ("v3", "v4", "v5", "v6"):
        admin.delete_policy_version(PolicyArn=arn, VersionId=v)
    admin.delete_policy(PolicyArn=arn)
    with aws_error("NoSuchEntity", 404):
        admin.get_policy(PolicyArn=arn)


def test_list_policies_scope_only_attached_prefix_and_pagination(iamd, admin):
    path = f"/{uname('lp')}/"
    pols = [_mk_policy(admin, path=path) for _ in range(5)]
    arns = sorted(p["Arn"] for p in pols)
    local = admin.list_policies(Scope="Local", PathPrefix=path)
    assert sorted(p["Arn"] for p in local["Policies"]) == arns
    assert local["IsTruncated"] is False

    seen, marker = [], None
    while True:
        kw = {"Scope": "Local", "PathPrefix": path, "MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        r = admin.list_policies(**kw)
        assert len(r["Policies"]) <= 2
        seen += [p["Arn"] for p in r["Policies"]]
        if not r["IsTruncated"]:
            break
        marker = r["Marker"]
    assert sorted(seen) == arns and len(seen) == 5

    u = uname("lpu")
    admin.create_user(UserName=u)
    admin.attach_user_policy(UserName=u, PolicyArn=pols[0]["Arn"])
    only = admin.list_policies(Scope="Local", PathPrefix=path, OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in only] == [pols[0]["Arn"]]
    assert only[0]["AttachmentCount"] == 1

    aws_scope = paginate(admin, "list_policies", "Policies", Scope="AWS")
    aws_arns = {p["Arn"] for p in aws_scope}
    assert {AWS_READONLY, AWS_ADMIN} <= aws_arns
    assert all(a.startswith("arn:aws:iam::aws:policy/") for a in aws_arns)
    all_scope = {p["Arn"] for p in paginate(admin, "list_policies", "Policies", Scope="All")}
    assert set(arns) | {AWS_READONLY} <= all_scope
    local_all = {p["Arn"] for p in paginate(admin, "list_policies", "Policies", Scope="Local")}
    assert AWS_READONLY not in local_all and set(arns) <= local_all


def test_aws_managed_catalogue(admin):
    p = admin.get_policy(PolicyArn=AWS_READONLY)["Policy"]
    assert p["PolicyName"] == "ReadOnlyAccess"
    assert p["Arn"] == AWS_READONLY
    assert p["Path"] == "/"
    assert p["PolicyId"].startswith("ANPA")
    assert p["IsAttachable"] is True
    assert p["DefaultVersionId"].startswith("v")
    v = admin.get_policy_version(PolicyArn=AWS_READONLY, VersionId=p["DefaultVersionId"])["PolicyVersion"]
    assert v["IsDefaultVersion"] is True
    stmts = v["Document"]["Statement"]
    stmts = stmts if isinstance(stmts, list) else [stmts]
    assert any(s["Effect"] == "Allow" for s in stmts)

    a = admin.get_policy(PolicyArn=AWS_ADMIN)["Policy"]
    av = admin.get_policy_version(PolicyArn=AWS_ADMIN, VersionId=a["DefaultVersionId"])["PolicyVersion"]
    st = av["Document"]["Statement"]
    st = st if isinstance(st, list) else [st]
    assert {"Effect": "Allow", "Action": "*", "Resource": "*"} in st

    with aws_error("NoSuchEntity", 404):
        admin.get_policy(PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyE2E")


def test_aws_managed_policies_are_read_only(admin):
    with aws_error(("AccessDenied", "InvalidInput", "UnmodifiableEntity"), (400, 403)):
        admin.delete_policy(PolicyArn=AWS_READONLY)
    with aws_error(("AccessDenied", "InvalidInput", "UnmodifiableEntity"), (400, 403)):
        admin.create_policy_version(PolicyArn=AWS_READONLY, PolicyDocument=json.dumps(DOC1))
    # still there
    admin.get_policy(PolicyArn=AWS_READONLY)


def test_attach_detach_and_entities(iamd, admin):
    p = _mk_policy(admin)
    arn = p["Arn"]
    u, g, r = uname("au"), uname("ag"), uname("ar")
    admin.create_user(UserName=u)
    admin.create_group(GroupName=g)
    admin.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(trust_service()))
    admin.attach_user_policy(UserName=u, PolicyArn=arn)
    admin.attach_user_policy(UserName=u, PolicyArn=arn)  # idempotent
    admin.attach_group_policy(GroupName=g, PolicyArn=arn)
    admin.attach_role_policy(RoleName=r, PolicyArn=arn)
    admin.attach_role_policy(RoleName=r, PolicyArn=AWS_READONLY)

    assert admin.list_attached_user_policies(UserName=u)["AttachedPolicies"] == [
        {"PolicyName": p["PolicyName"], "PolicyArn": arn}]
    assert admin.list_attached_group_policies(GroupName=g)["AttachedPolicies"] == [
        {"PolicyName": p["PolicyName"], "PolicyArn": arn}]
    assert sorted(x["PolicyArn"] for x in admin.list_attached_role_policies(RoleName=r)["AttachedPolicies"]) == \
        sorted([arn, AWS_READONLY])
    assert admin.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3

    ents = admin.list_entities_for_policy(PolicyArn=arn)
    assert [x["UserName"] for x in ents["PolicyUsers"]] == [u]
    assert [x["GroupName"] for x in ents["PolicyGroups"]] == [g]
    assert [x["RoleName"] for x in ents["PolicyRoles"]] == [r]
    assert ents["PolicyUsers"][0]["UserId"].startswith("AIDA")
    assert ents["PolicyRoles"][0]["RoleId"].startswith("AROA")
    only_roles = admin.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert only_roles["PolicyUsers"] == [] and only_roles["PolicyGroups"] == []
    assert [x["RoleName"] for x in only_roles["PolicyRoles"]] == [r]

    # the admin user from init has AdministratorAccess
    admins = paginate(admin, "list_entities_for_policy", "PolicyUsers", PolicyArn=AWS_ADMIN, EntityFilter="User")
    assert "admin" in [x["UserName"] for x in admins]

    with aws_error("DeleteConflict", 409):
        admin.delete_policy(PolicyArn=arn)
    admin.detach_user_policy(UserName=u, PolicyArn=arn)
    admin.detach_group_policy(GroupName=g, PolicyArn=arn)
    admin.detach_role_policy(RoleName=r, PolicyArn=arn)
    with aws_error("NoSuchEntity", 404):
        admin.detach_role_policy(RoleName=r, PolicyArn=arn)
    assert admin.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    ents = admin.list_entities_for_policy(PolicyArn=arn)
    assert ents["PolicyUsers"] == [] and ents["PolicyGroups"] == [] and ents["PolicyRoles"] == []
    admin.delete_policy(PolicyArn=arn)


def test_attach_unknown_policy(iamd, admin):
    u = uname("au")
    admin.create_user(UserName=u)
    ghost = f"arn:aws:iam::{iamd.account_id}:policy/{uname('ghost')}"
    with aws_error("NoSuchEntity", 404):
        admin.attach_user_policy(UserName=u, PolicyArn=ghost)
    with aws_error("NoSuchEntity", 404):
        admin.attach_user_policy(UserName=u, PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyE2E")
    with aws_error("NoSuchEntity", 404):
        admin.attach_user_policy(UserName=uname("ghost"), PolicyArn=AWS_READONLY)
    with aws_error(("InvalidInput", "ValidationError"), 400):
        admin.attach_user_policy(UserName=u, PolicyArn="not-an-arn-at-all-xxxxxxx")
    assert admin.list_attached_user_policies(UserName=u)["AttachedPolicies"] == []


def test_attached_policies_limit_per_user(admin):
    u = uname("lim")
    admin.create_user(UserName=u)
    arns = [_mk_policy(admin)["Arn"] for _ in range(11)]
    for a in arns[:10]:
        admin.attach_user_policy(UserName=u, PolicyArn=a)
    with aws_error("LimitExceeded", 409):
        admin.attach_user_policy(UserName=u, PolicyArn=arns[10])


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policies(admin, kind):
    name = uname(f"in{kind[0]}")
    if kind == "user":
        admin.create_user(UserName=name)
    elif kind == "group":
        admin.create_group(GroupName=name)
    else:
        admin.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_service()))
    K = kind.capitalize()
    ent = {f"{K}Name": name}
    put = getattr(admin, f"put_{kind}_policy")
    get = getattr(admin, f"get_{kind}_policy")
    lst = getattr(admin, f"list_{kind}_policies")
    dele = getattr(admin, f"delete_{kind}_policy")

    put(PolicyName="first", PolicyDocument=json.dumps(DOC1), **ent)
    put(PolicyName="second", PolicyDocument=json.dumps(DOC2), **ent)
    got = get(PolicyName="first", **ent)
    assert got[f"{K}Name"] == name and got["PolicyName"] == "first"
    assert got["PolicyDocument"] == DOC1
    assert sorted(lst(**ent)["PolicyNames"]) == ["first", "second"]

    put(PolicyName="first", PolicyDocument=json.dumps(DOC2), **ent)  # replace
    assert get(PolicyName="first", **ent)["PolicyDocument"] == DOC2

    with aws_error("MalformedPolicyDocument", 400):
        put(PolicyName="bad", PolicyDocument="{{{", **ent)
    with aws_error("MalformedPolicyDocument", 400):
        put(PolicyName="bad", PolicyDocument=json.dumps(policy({"Effect": "Permit", "Action": "*", "Resource": "*"})), **ent)
    assert "bad" not in lst(**ent)["PolicyNames"]

    dele(PolicyName="first", **ent)
    with aws_error("NoSuchEntity", 404):
        get(PolicyName="first", **ent)
    with aws_error("NoSuchEntity", 404):
        dele(PolicyName="first", **ent)
    assert lst(**ent)["PolicyNames"] == ["second"]
    with aws_error("NoSuchEntity", 404):
        put(PolicyName="x", PolicyDocument=json.dumps(DOC1), **{f"{K}Name": uname("ghost")})


def test_account_authorization_details(iamd, admin):
    u, r = uname("aad"), uname("aadr")
    admin.create_user(UserName=u)
    admin.put_user_policy(UserName=u, PolicyName="inl", PolicyDocument=json.dumps(DOC1))
    admin.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(trust_service()))
    p = _mk_policy(admin)
    admin.attach_user_policy(UserName=u, PolicyArn=p["Arn"])

    users, roles, pols = [], [], []
    for page in admin.get_paginator("get_account_authorization_details").paginate(
            Filter=["User", "Role", "LocalManagedPolicy"]):
        users += page.get("UserDetailList", [])
        roles += page.get("RoleDetailList", [])
        pols += page.get("Policies", [])
        assert page.get("GroupDetailList", []) == []
    ud = [x for x in users if x["UserName"] == u]
    assert len(ud) == 1
    assert ud[0]["UserPolicyList"] == [{"PolicyName": "inl", "PolicyDocument": DOC1}]
    assert ud[0]["AttachedManagedPolicies"] == [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]}]
    assert ud[0]["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/{u}"
    rd = [x for x in roles if x["RoleName"] == r]
    assert len(rd) == 1 and rd[0]["AssumeRolePolicyDocument"] == trust_service()
    pd = [x for x in pols if x["Arn"] == p["Arn"]]
    assert len(pd) == 1
    assert pd[0]["DefaultVersionId"] == "v1"
    assert [v["Document"] for v in pd[0]["PolicyVersionList"] if v["IsDefaultVersion"]] == [DOC1]
    assert not any(x["Arn"].startswith("arn:aws:iam::aws:") for x in pols)


def test_account_summary_counts(admin):
    before = admin.get_account_summary()["SummaryMap"]
    for key in ("Users", "Groups", "Roles", "Policies", "UsersQuota", "AccessKeysPerUserQuota"):
        assert key in before, key
    assert before["AccessKeysPerUserQuota"] == 2
    admin.create_user(UserName=uname("sum"))
    _mk_policy(admin)
    after = admin.get_account_summary()["SummaryMap"]
    assert after["Users"] == before["Users"] + 1
    assert after["Policies"] == before["Policies"] + 1

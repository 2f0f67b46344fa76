"""Roles, permissions boundaries, instance profiles, OIDC providers and the
trust-policy principal binding, through boto3."""
import datetime
import json

import pytest

from e2e_helpers import AWS_READONLY, allow, aws_error, paginate, policy, trust_service, uname


def _tags(lst):
    return {t["Key"]: t["Value"] for t in lst}


def _mk_role(admin, name=None, trust=None, **kw):
    name = name or uname("r")
    admin.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust or trust_service()), **kw)
    return name


# ---------------------------------------------------------------- roles


def test_create_role_reply_and_document_round_trip(iamd, admin):
    name = uname("role")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrustEc2AndAdmin",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com",
                          "AWS": f"arn:aws:iam::{iamd.account_id}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "a&b=c d+%/?"}},
        }],
    }
    r = admin.create_role(RoleName=name, Path="/svc/", AssumeRolePolicyDocument=json.dumps(trust),
                          Description="e2e role", MaxSessionDuration=7200,
                          Tags=[{"Key": "owner", "Value": "e2e"}])["Role"]
    assert r["RoleName"] == name
    assert r["RoleId"].startswith("AROA") and len(r["RoleId"]) == 21
    assert r["Arn"] == f"arn:aws:iam::{iamd.account_id}:role/svc/{name}"
    assert r["Path"] == "/svc/"
    assert isinstance(r["CreateDate"], datetime.datetime)
    # botocore URL-decodes and JSON-decodes the document: it must round-trip
    assert r["AssumeRolePolicyDocument"] == trust

    g = admin.get_role(RoleName=name)["Role"]
    assert g["RoleId"] == r["RoleId"]
    assert g["AssumeRolePolicyDocument"] == trust
    assert g["Description"] == "e2e role"
    assert g["MaxSessionDuration"] == 7200
    assert _tags(g["Tags"]) == {"owner": "e2e"}


def test_create_role_defaults(admin):
    name = _mk_role(admin)
    g = admin.get_role(RoleName=name)["Role"]
    assert g["MaxSessionDuration"] == 3600
    assert g["Path"] == "/"
    assert "PermissionsBoundary" not in g


def test_create_role_duplicate_and_case(admin):
    name = _mk_role(admin, name=uname("Dup"))
    with aws_error("EntityAlreadyExists", 409):
        _mk_role(admin, name=name)
    with aws_error("EntityAlreadyExists", 409):
        _mk_role(admin, name=name.lower())


@pytest.mark.parametrize("duration", [3599, 43201, 0, 100000])
def test_max_session_duration_bounds(iamd, duration):
    # botocore checks the model's min client-side; turn that off so the
    # server is the one that answers
    c = iamd.iam(parameter_validation=False)
    with aws_error("ValidationError", 400) as ei:
        _mk_role(c, MaxSessionDuration=duration)
    assert "maxsessionduration" in ei.value.response["Error"]["Message"].lower()


@pytest.mark.parametrize("duration", [3600, 43200])
def test_max_session_duration_edges_ok(admin, duration):
    name = _mk_role(admin, MaxSessionDuration=duration)
    assert admin.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == duration


def test_update_role_and_description(iamd, admin):
    name = _mk_role(admin, Description="first")
    admin.update_role(RoleName=name, Description="second", MaxSessionDuration=43200)
    g = admin.get_role(RoleName=name)["Role"]
    assert g["Description"] == "second" and g["MaxSessionDuration"] == 43200
    r = admin.update_role_description(RoleName=name, Description="third")["Role"]
    assert r["Description"] == "third" and r["RoleName"] == name
    assert admin.get_role(RoleName=name)["Role"]["Description"] == "third"
    with aws_error("ValidationError", 400):
        iamd.iam(parameter_validation=False).update_role(RoleName=name, MaxSessionDuration=50000)
    with aws_error("NoSuchEntity", 404):
        admin.update_role(RoleName=uname("ghost"), Description="x")


def test_update_assume_role_policy(admin):
    name = _mk_role(admin)
    new = trust_service("lambda.amazonaws.com")
    admin.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(new))
    assert admin.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == new

    with aws_error("MalformedPolicyDocument", 400):
        admin.update_assume_role_policy(RoleName=name, PolicyDocument='{"Version": "2012-10-17", "Statement": [')
    # a trust policy needs a Principal
    with aws_error("MalformedPolicyDocument", 400):
        admin.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(
            policy({"Effect": "Allow", "Action": "sts:AssumeRole"})))
    # Effect must be Allow or Deny
    with aws_error("MalformedPolicyDocument", 400):
        admin.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(
            policy({"Effect": "Permit", "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole"})))
    # unchanged after the refusals
    assert admin.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == new
    with aws_error("MalformedPolicyDocument", 400):
        admin.create_role(RoleName=uname("bad"), AssumeRolePolicyDocument="not json")
    with aws_error("NoSuchEntity", 404):
        admin.update_assume_role_policy(RoleName=uname("ghost"), PolicyDocument=json.dumps(new))


def test_list_roles_prefix_and_pagination(admin):
    path = f"/{uname('rp')}/"
    names = sorted(_mk_role(admin, Path=path) for _ in range(5))
    r = admin.list_roles(PathPrefix=path)
    assert sorted(x["RoleName"] for x in r["Roles"]) == names
    assert all(x["RoleId"].startswith("AROA") for x in r["Roles"])
    seen, marker = [], None
    while True:
        kw = {"PathPrefix": path, "MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        page = admin.list_roles(**kw)
        seen += [x["RoleName"] for x in page["Roles"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert sorted(seen) == names and len(seen) == 5


def test_delete_role_conflicts(admin):
    name = _mk_role(admin)
    admin.attach_role_policy(RoleName=name, PolicyArn=AWS_READONLY)
    with aws_error("DeleteConflict", 409):
        admin.delete_role(RoleName=name)
    admin.detach_role_policy(RoleName=name, PolicyArn=AWS_READONLY)

    admin.put_role_policy(RoleName=name, PolicyName="inl", PolicyDocument=json.dumps(policy(allow("s3:GetObject"))))
    with aws_error("DeleteConflict", 409):
        admin.delete_role(RoleName=name)
    admin.delete_role_policy(RoleName=name, PolicyName="inl")

    ip = uname("ip")
    admin.create_instance_profile(InstanceProfileName=ip)
    admin.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=name)
    with aws_error("DeleteConflict", 409):
        admin.delete_role(RoleName=name)
    admin.remove_role_from_instance_profile(InstanceProfileName=ip, RoleName=name)

    admin.delete_role(RoleName=name)
    with aws_error("NoSuchEntity", 404):
        admin.get_role(RoleName=name)
    with aws_error("NoSuchEntity", 404):
        admin.delete_role(RoleName=name)
    admin.delete_instance_profile(InstanceProfileName=ip)


def test_role_tags(admin):
    name = _mk_role(admin, Tags=[{"Key": "a", "Value": "1"}])
    admin.tag_role(RoleName=name, Tags=[{"Key": "b", "Value": "2"}])
    assert _tags(admin.list_role_tags(RoleName=name)["Tags"]) == {"a": "1", "b": "2"}
    assert _tags(admin.get_role(RoleName=name)["Role"]["Tags"]) == {"a": "1", "b": "2"}
    admin.untag_role(RoleName=name, TagKeys=["a"])
    assert _tags(admin.list_role_tags(RoleName=name)["Tags"]) == {"b": "2"}
    with aws_error("NoSuchEntity", 404):
        admin.tag_role(RoleName=uname("ghost"), Tags=[{"Key": "a", "Value": "1"}])


# ---------------------------------------------------------------- boundaries


def _boundary_policy(admin):
    return admin.create_policy(PolicyName=uname("pb"), PolicyDocument=json.dumps(
        policy(allow("iam:Get*"))))["Policy"]["Arn"]


def test_user_permissions_boundary(admin):
    arn = _boundary_policy(admin)
    name = uname("pbu")
    admin.create_user(UserName=name)
    admin.put_user_permissions_boundary(UserName=name, PermissionsBoundary=arn)
    u = admin.get_user(UserName=name)["User"]
    assert u["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
    p = admin.get_policy(PolicyArn=arn)["Policy"]
    assert p["PermissionsBoundaryUsageCount"] == 1
    assert p["AttachmentCount"] == 0
    admin.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in admin.get_user(UserName=name)["User"]
    # AWS-managed policies can be boundaries too
    admin.put_user_permissions_boundary(UserName=name, PermissionsBoundary=AWS_READONLY)
    assert admin.get_user(UserName=name)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == AWS_READONLY
    with aws_error("NoSuchEntity", 404):
        admin.put_user_permissions_boundary(UserName=uname("ghost"), PermissionsBoundary=arn)


def test_role_permissions_boundary(admin):
    arn = _boundary_policy(admin)
    name = _mk_role(admin, PermissionsBoundary=arn)
    assert admin.get_role(RoleName=name)["Role"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
    admin.delete_role_permissions_boundary(RoleName=name)
    assert "PermissionsBoundary" not in admin.get_role(RoleName=name)["Role"]
    admin.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=arn)
    assert admin.get_role(RoleName=name)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn


# ---------------------------------------------------------------- instance profiles


def test_instance_profile_lifecycle(iamd, admin):
    ip = uname("ip")
    r = admin.create_instance_profile(InstanceProfileName=ip, Path="/ips/",
                                      Tags=[{"Key": "k", "Value": "v"}])["InstanceProfile"]
    assert r["InstanceProfileName"] == ip
    assert r["InstanceProfileId"].startswith("AIPA")
    assert r["Arn"] == f"arn:aws:iam::{iamd.account_id}:instance-profile/ips/{ip}"
    assert r["Roles"] == []
    with aws_error("EntityAlreadyExists", 409):
        admin.create_instance_profile(InstanceProfileName=ip)

    role1, role2 = _mk_role(admin), _mk_role(admin)
    admin.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=role1)
    got = admin.get_instance_profile(InstanceProfileName=ip)["InstanceProfile"]
    assert [x["RoleName"] for x in got["Roles"]] == [role1]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == trust_service()
    with aws_error("LimitExceeded", 409):
        admin.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=role2)

    for_role = admin.list_instance_profiles_for_role(RoleName=role1)["InstanceProfiles"]
    assert [x["InstanceProfileName"] for x in for_role] == [ip]
    assert admin.list_instance_profiles_for_role(RoleName=role2)["InstanceProfiles"] == []
    listed = admin.list_instance_profiles(PathPrefix="/ips/")["InstanceProfiles"]
    assert ip in [x["InstanceProfileName"] for x in listed]

    with aws_error("DeleteConflict", 409):
        admin.delete_instance_profile(InstanceProfileName=ip)
    admin.remove_role_from_instance_profile(InstanceProfileName=ip, RoleName=role1)
    assert admin.get_instance_profile(InstanceProfileName=ip)["InstanceProfile"]["Roles"] == []
    with aws_error("NoSuchEntity", 404):
        admin.remove_role_from_instance_profile(InstanceProfileName=ip, RoleName=role1)

    admin.delete_instance_profile(InstanceProfileName=ip)
    with aws_error("NoSuchEntity", 404):
        admin.get_instance_profile(InstanceProfileName=ip)
    with aws_error("NoSuchEntity", 404):
        admin.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=role2)


# ---------------------------------------------------------------- OIDC providers

THUMB1 = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
THUMB2 = "a031c46782e6e6c662c2c87c76da9aa62ccabd8e"


def test_oidc_provider_lifecycle(iamd, admin):
    host = f"{uname('oidc')}.example.com"
    arn = admin.create_open_id_connect_provider(
        Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=[THUMB1],
        Tags=[{"Key": "k", "Value": "v"}])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{iamd.account_id}:oidc-provider/{host}"

    g = admin.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert g["Url"] == host  # AWS returns the URL without its scheme
    assert g["ClientIDList"] == ["sts.amazonaws.com"]
    assert g["ThumbprintList"] == [THUMB1]
    assert isinstance(g["CreateDate"], datetime.datetime)
    assert _tags(g["Tags"]) == {"k": "v"}

    with aws_error("EntityAlreadyExists", 409):
        admin.create_open_id_connect_provider(Url=f"https://{host}", ClientIDList=["x"],
                                              ThumbprintList=[THUMB1])

    listed = [p["Arn"] for p in admin.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert arn in listed

    admin.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="aud-2")
    admin.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="aud-2")
    assert sorted(admin.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]) == \
        sorted(["sts.amazonaws.com", "aud-2"])
    admin.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                                         ClientID="sts.amazonaws.com")
    assert admin.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == ["aud-2"]

    admin.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn,
                                                     ThumbprintList=[THUMB2, THUMB1])
    assert sorted(admin.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"]) == \
        sorted([THUMB2, THUMB1])

    admin.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
    assert _tags(admin.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"]) == \
        {"k": "v", "k2": "v2"}
    admin.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k"])
    assert _tags(admin.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"]) == {"k2": "v2"}

    admin.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with aws_error("NoSuchEntity", 404):
        admin.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert arn not in [p["Arn"] for p in admin.list_open_id_connect_providers()["OpenIDConnectProviderList"]]


def test_oidc_provider_with_path(iamd, admin):
    host = f"{uname('oidcp')}.example.com/id/ABC123"
    arn = admin.create_open_id_connect_provider(Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"],
                                                ThumbprintList=[THUMB1])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{iamd.account_id}:oidc-provider/{host}"
    assert admin.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == host
    admin.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def test_oidc_provider_bad_input(iamd, admin):
    with aws_error(("InvalidInput", "ValidationError"), 400):
        admin.create_open_id_connect_provider(Url=f"http://{uname('o')}.example.com",
                                              ClientIDList=["a"], ThumbprintList=[THUMB1])
    with aws_error(("InvalidInput", "ValidationError"), 400):
        iamd.iam(parameter_validation=False).create_open_id_connect_provider(
            Url=f"https://{uname('o')}.example.com", ClientIDList=["a"], ThumbprintList=["tooshort"])
    with aws_error("NoSuchEntity", 404):
        admin.get_open_id_connect_provider(
            OpenIDConnectProviderArn=f"arn:aws:iam::{iamd.account_id}:oidc-provider/{uname('no')}.example.com")


# ---------------------------------------------------------------- trust binding


def test_trust_policy_principal_binds_to_unique_id(iamd, admin):
    """AWS stores a principal ARN in a trust policy as the user's unique id:
    after the user is deleted (and even re-created under the same name),
    the policy shows the old AIDA... id, not the ARN."""
    uname_ = uname("tb")
    u = admin.create_user(UserName=uname_)["User"]
    old_id, arn = u["UserId"], u["Arn"]
    trust = policy({"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"})
    role = _mk_role(admin, trust=trust)

    def principal():
        st = admin.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
        return st["Principal"]["AWS"]

    assert principal() == arn
    admin.delete_user(UserName=uname_)
    assert principal() == old_id
    new_id = admin.create_user(UserName=uname_)["User"]["UserId"]
    assert new_id != old_id
    assert principal() == old_id, "re-creating the user must not re-bind the trust policy"

    # updating the trust policy with the ARN again binds the new user
    admin.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
    assert principal() == arn


def test_role_last_used_shape(admin):
    name = _mk_role(admin)
    g = admin.get_role(RoleName=name)["Role"]
    assert g.get("RoleLastUsed", {}) == {} or "LastUsedDate" not in g["RoleLastUsed"]


def test_list_roles_contains_all(admin):
    names = {_mk_role(admin) for _ in range(2)}
    assert names <= {r["RoleName"] for r in paginate(admin, "list_roles", "Roles")}

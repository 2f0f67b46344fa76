"""Users, groups and user tags, through boto3, asserting AWS's behaviour."""
import datetime
import json

import pytest

from e2e_helpers import AWS_READONLY, allow, aws_error, paginate, policy, uname


def _tags(lst):
    return {t["Key"]: t["Value"] for t in lst}


# ---------------------------------------------------------------- users


def test_admin_from_init_is_the_caller(iamd, admin):
    u = admin.get_user()["User"]
    assert u["UserName"] == "admin"
    assert u["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/admin"
    assert u["UserId"].startswith("AIDA")
    attached = admin.list_attached_user_policies(UserName="admin")["AttachedPolicies"]
    assert {"PolicyName": "AdministratorAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"} in attached


def test_create_user_reply_shape(iamd, admin):
    name = uname("cu")
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    r = admin.create_user(UserName=name, Path="/division_abc/subdivision/",
                          Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}])
    u = r["User"]
    assert u["UserName"] == name
    assert u["Path"] == "/division_abc/subdivision/"
    assert u["UserId"].startswith("AIDA") and len(u["UserId"]) == 21 and u["UserId"].isalnum()
    assert u["UserId"] == u["UserId"].upper()
    assert u["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/division_abc/subdivision/{name}"
    assert isinstance(u["CreateDate"], datetime.datetime)
    assert before <= u["CreateDate"] <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    assert _tags(u["Tags"]) == {"team": "blue", "env": "dev"}
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["ResponseMetadata"]["RequestId"]

    g = admin.get_user(UserName=name)["User"]
    assert g["UserId"] == u["UserId"] and g["Arn"] == u["Arn"] and g["Path"] == u["Path"]
    assert _tags(g["Tags"]) == {"team": "blue", "env": "dev"}
    assert "PasswordLastUsed" not in g


def test_get_user_without_name_is_the_caller(iamd):
    c = iamd.new_user_client(policy(allow("iam:GetUser")))
    me = c.get_user()["User"]
    assert me["UserName"] == c.e2e_user["name"]
    assert me["Arn"] == c.e2e_user["arn"]
    assert me["UserId"] == c.e2e_user["user_id"]


def test_user_ids_are_unique(admin):
    ids = {admin.create_user(UserName=uname("uid"))["User"]["UserId"] for _ in range(3)}
    assert len(ids) == 3


def test_list_users_path_prefix_and_pagination(iamd, admin):
    path = f"/{uname('pg')}/"
    names = sorted(uname("lu") for _ in range(6))
    for n in names:
        admin.create_user(UserName=n, Path=path)
    # an unrelated user outside the prefix
    admin.create_user(UserName=uname("other"), Path=f"/{uname('elsewhere')}/")

    full = admin.list_users(PathPrefix=path)
    assert full["IsTruncated"] is False
    assert "Marker" not in full
    assert sorted(u["UserName"] for u in full["Users"]) == names
    for u in full["Users"]:
        assert u["Path"] == path
        assert u["Arn"] == f"arn:aws:iam::{iamd.account_id}:user{path}{u['UserName']}"

    for page_size in (1, 2, 4, 5, 6):
        seen, marker, pages = [], None, 0
        while True:
            kw = {"PathPrefix": path, "MaxItems": page_size}
            if marker:
                kw["Marker"] = marker
            r = admin.list_users(**kw)
            pages += 1
            assert len(r["Users"]) <= page_size
            seen += [u["UserName"] for u in r["Users"]]
            if not r["IsTruncated"]:
                assert "Marker" not in r
                break
            assert r["Marker"], "IsTruncated without a Marker"
            marker = r["Marker"]
            assert pages <= 10, "pagination does not end"
        assert sorted(seen) == names, f"MaxItems={page_size}: {seen}"
        assert len(seen) == len(set(seen)), f"MaxItems={page_size}: duplicates {seen}"

    # the paginator gets the same answer
    assert sorted(u["UserName"] for u in paginate(admin, "list_users", "Users", PathPrefix=path,
                                                   PaginationConfig={"PageSize": 2})) == names


def test_list_users_without_prefix_contains_admin_and_new_user(admin):
    name = uname("all")
    admin.create_user(UserName=name)
    names = {u["UserName"] for u in paginate(admin, "list_users", "Users")}
    assert {"admin", name} <= names


def test_update_user_name_and_path(iamd, admin):
    old, new = uname("old"), uname("new")
    uid = admin.create_user(UserName=old)["User"]["UserId"]
    admin.update_user(UserName=old, NewUserName=new, NewPath="/moved/")
    u = admin.get_user(UserName=new)["User"]
    assert u["UserId"] == uid
    assert u["Path"] == "/moved/"
    assert u["Arn"] == f"arn:aws:iam::{iamd.account_id}:user/moved/{new}"
    with aws_error("NoSuchEntity", 404):
        admin.get_user(UserName=old)
    with aws_error("NoSuchEntity", 404):
        admin.update_user(UserName=old, NewPath="/x/")


def test_update_user_to_existing_name_conflicts(admin):
    a, b = uname("ua"), uname("ub")
    admin.create_user(UserName=a)
    admin.create_user(UserName=b)
    with aws_error("EntityAlreadyExists", 409):
        admin.update_user(UserName=a, NewUserName=b)


def test_delete_user_conflicts_until_clean(admin):
    name, group = uname("del"), uname("delg")
    admin.create_user(UserName=name)
    key = admin.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    with aws_error("DeleteConflict", 409):
        admin.delete_user(UserName=name)
    admin.delete_access_key(UserName=name, AccessKeyId=key)

    admin.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy(allow("iam:GetUser"))))
    with aws_error("DeleteConflict", 409):
        admin.delete_user(UserName=name)
    admin.delete_user_policy(UserName=name, PolicyName="p")

    admin.attach_user_policy(UserName=name, PolicyArn=AWS_READONLY)
    with aws_error("DeleteConflict", 409):
        admin.delete_user(UserName=name)
    admin.detach_user_policy(UserName=name, PolicyArn=AWS_READONLY)

    admin.create_group(GroupName=group)
    admin.add_user_to_group(GroupName=group, UserName=name)
    with aws_error("DeleteConflict", 409):
        admin.delete_user(UserName=name)
    admin.remove_user_from_group(GroupName=group, UserName=name)

    admin.create_login_profile(UserName=name, Password="E2e-Str0ng-Passw0rd!#x")
    with aws_error("DeleteConflict", 409):
        admin.delete_user(UserName=name)
    admin.delete_login_profile(UserName=name)

    admin.get_user(UserName=name)  # still there after all the refusals
    admin.delete_user(UserName=name)
    with aws_error("NoSuchEntity", 404):
        admin.get_user(UserName=name)
    with aws_error("NoSuchEntity", 404):
        admin.delete_user(UserName=name)


def test_create_user_twice_and_case_insensitive(admin):
    suffix = uname("x")[2:]
    admin.create_user(UserName=f"Bob-x{suffix}")
    with aws_error("EntityAlreadyExists", 409):
        admin.create_user(UserName=f"Bob-x{suffix}")
    with aws_error("EntityAlreadyExists", 409):
        admin.create_user(UserName=f"bob-X{suffix}")
    # the stored name keeps the case it was created with
    assert admin.get_user(UserName=f"Bob-x{suffix}")["User"]["UserName"] == f"Bob-x{suffix}"
    admin.create_group(GroupName=f"Grp-{suffix}")
    with aws_error("EntityAlreadyExists", 409):
        admin.create_group(GroupName=f"GRP-{suffix}")


@pytest.mark.parametrize("call", ["get_user", "delete_user", "list_access_keys", "list_user_tags",
                                  "list_groups_for_user", "list_user_policies"])
def test_no_such_user(admin, call):
    with aws_error("NoSuchEntity", 404) as ei:
        getattr(admin, call)(UserName=uname("ghost"))
    assert ei.value.response["Error"]["Message"]


@pytest.mark.parametrize("bad", ["bad name", "bad/name", "bad*name", "b\u00e4d", "x" * 65, "semi;colon"])
def test_user_name_validation(admin, bad):
    with aws_error("ValidationError", 400) as ei:
        admin.create_user(UserName=bad)
    msg = ei.value.response["Error"]["Message"]
    assert "username" in msg.lower(), f"message does not name the field: {msg}"


def test_user_name_64_chars_is_fine(admin):
    name = ("n" + uname("")[1:]).ljust(64, "z")
    assert len(name) == 64
    assert admin.create_user(UserName=name)["User"]["UserName"] == name
    admin.delete_user(UserName=name)


@pytest.mark.parametrize("bad_path", ["no-leading-slash/", "/no-trailing-slash", "/bad path/"])
def test_user_path_validation(admin, bad_path):
    with aws_error("ValidationError", 400) as ei:
        admin.create_user(UserName=uname("p"), Path=bad_path)
    assert "path" in ei.value.response["Error"]["Message"].lower()


# ---------------------------------------------------------------- user tags


def test_tag_untag_list_user_tags(admin):
    name = uname("tg")
    admin.create_user(UserName=name, Tags=[{"Key": "a", "Value": "1"}])
    admin.tag_user(UserName=name, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "one"}])
    r = admin.list_user_tags(UserName=name)
    assert r["IsTruncated"] is False
    assert _tags(r["Tags"]) == {"a": "one", "b": "2"}
    assert _tags(admin.get_user(UserName=name)["User"]["Tags"]) == {"a": "one", "b": "2"}
    admin.untag_user(UserName=name, TagKeys=["a", "not-there"])
    assert _tags(admin.list_user_tags(UserName=name)["Tags"]) == {"b": "2"}
    admin.untag_user(UserName=name, TagKeys=["b"])
    assert admin.list_user_tags(UserName=name)["Tags"] == []
    assert "Tags" not in admin.get_user(UserName=name)["User"] or \
        admin.get_user(UserName=name)["User"]["Tags"] == []


def test_tag_user_limit_50(admin):
    name = uname("tl")
    admin.create_user(UserName=name, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with aws_error("LimitExceeded", 409):
        admin.tag_user(UserName=name, Tags=[{"Key": "k50", "Value": "v"}])


def test_tag_user_unknown_user(admin):
    with aws_error("NoSuchEntity", 404):
        admin.tag_user(UserName=uname("ghost"), Tags=[{"Key": "a", "Value": "b"}])


# ---------------------------------------------------------------- groups


def test_group_lifecycle(iamd, admin):
    g, u1, u2 = uname("grp"), uname("gm"), uname("gm")
    r = admin.create_group(GroupName=g, Path="/teams/")["Group"]
    assert r["GroupName"] == g
    assert r["GroupId"].startswith("AGPA")
    assert r["Arn"] == f"arn:aws:iam::{iamd.account_id}:group/teams/{g}"
    assert r["Path"] == "/teams/"
    assert isinstance(r["CreateDate"], datetime.datetime)
    with aws_error("EntityAlreadyExists", 409):
        admin.create_group(GroupName=g.upper())

    for u in (u1, u2):
        admin.create_user(UserName=u)
        admin.add_user_to_group(GroupName=g, UserName=u)
    admin.add_user_to_group(GroupName=g, UserName=u1)  # idempotent in AWS

    got = admin.get_group(GroupName=g)
    assert got["Group"]["GroupId"] == r["GroupId"]
    assert sorted(x["UserName"] for x in got["Users"]) == sorted([u1, u2])
    assert got["IsTruncated"] is False

    groups = admin.list_groups_for_user(UserName=u1)["Groups"]
    assert [x["GroupName"] for x in groups] == [g]
    assert any(x["GroupName"] == g for x in admin.list_groups(PathPrefix="/teams/")["Groups"])

    admin.remove_user_from_group(GroupName=g, UserName=u2)
    assert [x["UserName"] for x in admin.get_group(GroupName=g)["Users"]] == [u1]
    assert admin.list_groups_for_user(UserName=u2)["Groups"] == []

    with aws_error("DeleteConflict", 409):
        admin.delete_group(GroupName=g)
    admin.remove_user_from_group(GroupName=g, UserName=u1)

    admin.put_group_policy(GroupName=g, PolicyName="gp", PolicyDocument=json.dumps(policy(allow("iam:GetUser"))))
    with aws_error("DeleteConflict", 409):
        admin.delete_group(GroupName=g)
    admin.delete_group_policy(GroupName=g, PolicyName="gp")

    admin.attach_group_policy(GroupName=g, PolicyArn=AWS_READONLY)
    with aws_error("DeleteConflict", 409):
        admin.delete_group(GroupName=g)
    admin.detach_group_policy(GroupName=g, PolicyArn=AWS_READONLY)

    admin.delete_group(GroupName=g)
    with aws_error("NoSuchEntity", 404):
        admin.get_group(GroupName=g)


def test_update_group(iamd, admin):
    g, g2, u = uname("ug"), uname("ug2"), uname("ugm")
    gid = admin.create_group(GroupName=g)["Group"]["GroupId"]
    admin.create_user(UserName=u)
    admin.add_user_to_group(GroupName=g, UserName=u)
    admin.update_group(GroupName=g, NewGroupName=g2, NewPath="/renamed/")
    got = admin.get_group(GroupName=g2)
    assert got["Group"]["GroupId"] == gid
    assert got["Group"]["Arn"] == f"arn:aws:iam::{iamd.account_id}:group/renamed/{g2}"
    assert [x["UserName"] for x in got["Users"]] == [u]
    assert [x["GroupName"] for x in admin.list_groups_for_user(UserName=u)["Groups"]] == [g2]
    with aws_error("NoSuchEntity", 404):
        admin.get_group(GroupName=g)


def test_list_groups_pagination(admin):
    path = f"/{uname('gpg')}/"
    names = sorted(uname("lg") for _ in range(5))
    for n in names:
        admin.create_group(GroupName=n, Path=path)
    seen, marker = [], None
    while True:
        kw = {"PathPrefix": path, "MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        r = admin.list_groups(**kw)
        seen += [g["GroupName"] for g in r["Groups"]]
        if not r["IsTruncated"]:
            break
        marker = r["Marker"]
    assert sorted(seen) == names and len(seen) == len(set(seen))


def test_group_membership_errors(admin):
    g, u = uname("ge"), uname("gu")
    admin.create_group(GroupName=g)
    admin.create_user(UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.add_user_to_group(GroupName=uname("ghost"), UserName=u)
    with aws_error("NoSuchEntity", 404):
        admin.add_user_to_group(GroupName=g, UserName=uname("ghost"))
    with aws_error("NoSuchEntity", 404):
        admin.get_group(GroupName=uname("ghost"))
    with aws_error("NoSuchEntity", 404):
        admin.delete_group(GroupName=uname("ghost"))
    with aws_error("ValidationError", 400):
        admin.create_group(GroupName="bad group!")


def test_deleting_user_after_group_removal_cleans_membership(admin):
    g, u = uname("gc"), uname("gcu")
    admin.create_group(GroupName=g)
    admin.create_user(UserName=u)
    admin.add_user_to_group(GroupName=g, UserName=u)
    admin.remove_user_from_group(GroupName=g, UserName=u)
    admin.delete_user(UserName=u)
    assert admin.get_group(GroupName=g)["Users"] == []
    admin.delete_group(GroupName=g)

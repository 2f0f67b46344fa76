#!/usr/bin/python3
"""Fills an initialised iamd database with N users and N*K attachments.

For the start-up/memory benchmark only: rows are inserted with plain SQL
(the server is stopped), which also bypasses the quotas (AWS's default of
5,000 users per account would otherwise stop at 5,000). Users get ids and
names of AWS's shape; K customer policies per user are drawn from P shared
ones, so 100,000 users x 10 = 1,000,000 attachments.

  populate.py DB ACCOUNT USERS ATTACH_PER_USER POLICIES
"""
import random
import sqlite3
import string
import sys
import time


def uid(prefix, rnd):
    return prefix + "".join(rnd.choice(string.ascii_uppercase + "234567") for _ in range(16))


def main():
    db, account, users, per_user, policies = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    rnd = random.Random(1)
    con = sqlite3.connect(db)
    now = int(time.time())
    pol_ids = []
    with con:
        for p in range(policies):
            pid = uid("ANPA", rnd)
            name = f"bench-policy-{p:05d}"
            doc = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],'
                   f'"Resource":"arn:aws:s3:::bucket-{p}/*"}}]}}')
            con.execute("INSERT INTO policies(id,account,name,path,arn,description,created,updated,default_version,"
                        "next_version) VALUES(?,?,?,?,?,NULL,?,?,'v1',2)",
                        (pid, account, name, "/", f"arn:aws:iam::{account}:policy/{name}", now, now))
            con.execute("INSERT INTO policy_versions(policy_id,version_id,num,document,created) VALUES(?,?,1,?,?)",
                        (pid, "v1", doc, now))
            pol_ids.append(pid)
        batch_u, batch_a = [], []
        for u in range(users):
            i = uid("AIDA", rnd)
            batch_u.append((i, account, f"bench-user-{u:07d}", "/", now))
            for p in rnd.sample(pol_ids, per_user):
                batch_a.append((p, i))
        con.executemany("INSERT INTO users(id,account,name,path,created) VALUES(?,?,?,?,?)", batch_u)
        con.executemany("INSERT INTO attachments(policy_id,user_id) VALUES(?,?)", batch_a)
    con.close()
    print(f"populate: {users} users, {len(batch_a)} attachments, {policies} policies")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes a wrk Lua script that sends SigV4-signed IAM Query API requests.

Signed with botocore's own signer (the real client's canonicalisation), so
iamd verifies every request exactly as it would from boto3. A signature stays
valid for 15 minutes, which covers a benchmark run.

  gen_wrk.py get-user  ENDPOINT KEY SECRET OUT.lua          one request, replayed
  gen_wrk.py create-user ENDPOINT KEY SECRET OUT.lua N      N distinct CreateUser requests, cycled
  gen_wrk.py assume-role ENDPOINT KEY SECRET OUT.lua ROLE_ARN   one STS AssumeRole request, replayed
                                                            (each reply is a new session)
Options (before the positional arguments):
  --session TOKEN   sign with temporary credentials (KEY is then the ASIA key id)
  --user NAME       get-user: GetUser of NAME (a role session must name a user)
"""
import sys
from urllib.parse import urlencode, urlparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed(endpoint, creds, params, service="iam"):
    body = urlencode(params)
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, service, "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    headers["Host"] = urlparse(endpoint).netloc
    return headers, body


def lua_str(s):
    return "[==[" + s + "]==]"


def lua_request(headers, body):
    h = ", ".join(f"[ {lua_str(k)} ] = {lua_str(v)}" for k, v in headers.items())  # "[ [==[": "[[" would open a long string
    return f'wrk.format("POST", "/", {{{h}}}, {lua_str(body)})'


def main():
    args, token, user = sys.argv[1:], None, None
    while args and args[0].startswith("--"):
        if args[0] == "--session":
            token = args[1]
        elif args[0] == "--user":
            user = args[1]
        else:
            sys.exit(f"unknown option {args[0]}")
        args = args[2:]
    kind, endpoint, key, secret, out = args[0:5]
    creds = Credentials(key, secret, token)
    with open(out, "w") as f:
        if kind == "get-user":
            params = {"Action": "GetUser", "Version": "2010-05-08"}
            if user:
                params["UserName"] = user
            headers, body = signed(endpoint, creds, params)
            f.write(f"local req = {lua_request(headers, body)}\n")
            f.write("request = function() return req end\n")
        elif kind == "assume-role":
            headers, body = signed(endpoint, creds, {"Action": "AssumeRole", "Version": "2011-06-15",
                                                     "RoleArn": args[5], "RoleSessionName": "bench"}, "sts")
            f.write(f"local req = {lua_request(headers, body)}\n")
            f.write("request = function() return req end\n")
        elif kind == "create-user":
            # Too many for Lua constants: the raw requests go to OUT.reqs, one
            # per line (CRLF written as \x01), and the script reads them.
            n = int(args[5])
            host = urlparse(endpoint).netloc
            with open(out + ".reqs", "w") as r:
                for i in range(n):
                    headers, body = signed(endpoint, creds, {"Action": "CreateUser", "Version": "2010-05-08",
                                                             "UserName": f"bench-{i:07d}"})
                    headers["Content-Length"] = str(len(body))
                    headers["Host"] = host
                    head = "".join(f"{k}: {v}\x01" for k, v in headers.items())
                    r.write(f"POST / HTTP/1.1\x01{head}\x01{body}\n")
            # Each wrk thread takes every other request from its own offset,
            # so no user name is sent twice across the 2 threads.
            f.write(f"local path = [==[{out}.reqs]==]\n"
                    "local reqs, i, step = {}, 1, 2\n"
                    "local threads = {}\n"
                    "setup = function(t) table.insert(threads, t); t:set('id', #threads) end\n"
                    "init = function()\n"
                    "  for line in io.lines(path) do reqs[#reqs + 1] = line:gsub('\\1', '\\r\\n') end\n"
                    "  i = tonumber(wrk.thread:get('id')) or 1\n"
                    "end\n"
                    "request = function()\n"
                    "  local r = reqs[i]\n"
                    "  i = i + step\n"
                    "  if r == nil then wrk.thread:stop(); return reqs[1] end\n"
                    "  return r\n"
                    "end\n")
        else:
            sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()

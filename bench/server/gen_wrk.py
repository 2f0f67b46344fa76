#!/usr/bin/python3
"""Writes a wrk Lua script that sends SigV4-signed IAM Query API requests.

Signed with botocore's own signer (the real client's canonicalisation), so
iamd verifies every request exactly as it would from boto3. A signature stays
valid for 15 minutes, which covers a benchmark run.

  gen_wrk.py get-user  ENDPOINT KEY SECRET OUT.lua          one request, replayed
  gen_wrk.py create-user ENDPOINT KEY SECRET OUT.lua N      N distinct CreateUser requests, cycled
"""
import sys
from urllib.parse import urlencode, urlparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed(endpoint, creds, params):
    body = urlencode(params)
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, "iam", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    headers["Host"] = urlparse(endpoint).netloc
    return headers, body


def lua_str(s):
    return "[==[" + s + "]==]"


def lua_request(headers, body):
    h = ", ".join(f"[ {lua_str(k)} ] = {lua_str(v)}" for k, v in headers.items())  # "[ [==[": "[[" would open a long string
    return f'wrk.format("POST", "/", {{{h}}}, {lua_str(body)})'


def main():
    kind, endpoint, key, secret, out = sys.argv[1:6]
    creds = Credentials(key, secret)
    with open(out, "w") as f:
        if kind == "get-user":
            headers, body = signed(endpoint, creds, {"Action": "GetUser", "Version": "2010-05-08"})
            f.write(f"local req = {lua_request(headers, body)}\n")
            f.write("request = function() return req end\n")
        elif kind == "create-user":
            # Too many for Lua constants: the raw requests go to OUT.reqs, one
            # per line (CRLF written as \x01), and the script reads them.
            n = int(sys.argv[6])
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

#!/usr/bin/env bash
# bench/server.sh - iamd's request path against nginx, writes, and start-up
# at scale (DESIGN.md §4; issue 3's figures).
#
#   bench/server.sh [--seconds S] [--runs N] [--users N]
#
# 1. Authenticated GetUser over keep-alive (SigV4 verify + decision + the
#    audit hook), with wrk, against nginx returning a fixed reply of the same
#    size on the same machine, runs alternating; medians and their ratio.
#    1b: the same GetUser signed with STS session credentials vs a long-term
#    key (target: under 10% slower), and AssumeRole calls per second.
# 2. CreateUser writes per second (each one transaction + a new snapshot).
# 3. Start-up time and memory with --users users (default 100,000) and 10
#    attachments each (quotas bypassed: rows are written with SQL while iamd
#    is stopped), then the latency of one CreateUser at that size (write
#    committed and visible: the reply is sent after the new snapshot is
#    published).
# iamd and nginx each get 2 worker threads; wrk (2 threads) shares the same
# 2 cores, so absolute rates are lower than on a dedicated load machine and
# only the ratio is meaningful. Results: build/bench/server-<UTC date>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${IAM_BENCH_BUILD_DIR:-$root/build/bench}
secs=8 runs=3 users=100000
while (($#)); do
    case $1 in
    --seconds) secs=$2; shift ;;
    --runs) runs=$2; shift ;;
    --users) users=$2; shift ;;
    -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "server.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

"$root/scripts/deps.sh" bench >/dev/null
if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$build" --target iamd >/dev/null
iamd=$build/src/iamd/iamd
py=/usr/bin/python3
tmp=$(mktemp -d)
out=$build/server-$(date -u +%Y%m%d-%H%M%S).txt
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
say() { echo "$*" | tee -a "$out"; }
free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
wait_healthy() {
    local i
    for i in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server.sh: iamd did not become healthy" >&2
    return 1
}
start_iamd() { # DATA PORT
    "$iamd" serve --data-dir "$1" --listen "127.0.0.1:$2" --threads 2 \
        --quota users_per_account=10000000 2>>"$tmp/iamd.log" &
    iamd_pid=$!
    pids+=("$iamd_pid")
}
stop_iamd() { kill -TERM "$iamd_pid"; wait "$iamd_pid" || true; }
creds() { awk -F' = ' "/$1/ {print \$2}" "$data/admin-credentials"; }
rps() { # LUA URL -> requests/s
    local o
    o=$(wrk -t2 -c32 -d"${secs}s" -s "$1" "$2")
    # every reply must have been a 2xx, or the rate measures errors
    if grep -q "Non-2xx" <<<"$o"; then echo "server.sh: non-2xx replies from $2" >&2; grep Non-2xx <<<"$o" >&2; fi
    awk '/Requests\/sec/ {print $2}' <<<"$o"
}

say "# bench/server.sh on $(uname -m), $(nproc) cores, $(date -u +%FT%TZ), commit $(git -C "$root" rev-parse --short HEAD)"
data=$tmp/data
"$iamd" init --data-dir "$data" --account-id 123456789012 >/dev/null
port=$(free_port)
start_iamd "$data" "$port"
wait_healthy "$port"
key=$(creds aws_access_key_id) secret=$(creds aws_secret_access_key)
$py "$root/bench/server/gen_wrk.py" get-user "http://127.0.0.1:$port" "$key" "$secret" "$tmp/get.lua"

# nginx: a fixed GetUser-sized reply, 2 workers, no logging.
nport=$(free_port)
reply=$(curl -s -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
    --aws-sigv4 "aws:amz:us-east-1:iam" --user "$key:$secret" \
    -d 'Action=GetUser&Version=2010-05-08' "http://127.0.0.1:$port/" | tr -d "'\n")
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$nport;
        location / { default_type text/xml; return 200 '$reply'; }
    }
}
CONF
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5

say ""
say "## 1. GetUser, SigV4-authenticated, keep-alive (wrk -t2 -c32, ${secs}s x $runs, alternating)"
for r in $(seq 1 "$runs"); do
    a=$(rps "$tmp/get.lua" "http://127.0.0.1:$port/")
    b=$(rps "$tmp/get.lua" "http://127.0.0.1:$nport/")
    say "run $r: iamd $a req/s, nginx $b req/s"
    echo "$a" >>"$tmp/iamd.rps"
    echo "$b" >>"$tmp/nginx.rps"
done
mi=$(median <"$tmp/iamd.rps") mn=$(median <"$tmp/nginx.rps")
say "median: iamd $mi req/s, nginx $mn req/s, ratio $(awk -v a="$mi" -v b="$mn" 'BEGIN {printf "%.2f", a/b}') (target >= 0.50)"

say ""
say "## 1b. Temporary (STS session) vs long-term credentials, GetUser of admin, alternating"
sess=$($py - "$port" "$key" "$secret" <<'PY'
import json, sys
import boto3
port, key, secret = sys.argv[1:4]
kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
          aws_access_key_id=key, aws_secret_access_key=secret)
iam, sts = boto3.client("iam", **kw), boto3.client("sts", **kw)
me = iam.get_user()["User"]["Arn"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": me},
                                                  "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="bench-reader", AssumeRolePolicyDocument=json.dumps(trust),
                       MaxSessionDuration=3600)["Role"]["Arn"]
iam.attach_role_policy(RoleName="bench-reader", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
c = sts.assume_role(RoleArn=role, RoleSessionName="bench")["Credentials"]
print(role, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
PY
)
read -r role_arn skey ssecret stoken <<<"$sess"
$py "$root/bench/server/gen_wrk.py" --user admin get-user "http://127.0.0.1:$port" "$key" "$secret" "$tmp/get-lt.lua"
$py "$root/bench/server/gen_wrk.py" --session "$stoken" --user admin get-user "http://127.0.0.1:$port" \
    "$skey" "$ssecret" "$tmp/get-tmp.lua"
for r in $(seq 1 "$runs"); do
    a=$(rps "$tmp/get-lt.lua" "http://127.0.0.1:$port/")
    b=$(rps "$tmp/get-tmp.lua" "http://127.0.0.1:$port/")
    say "run $r: long-term key $a req/s, session credentials $b req/s"
    echo "$a" >>"$tmp/lt.rps"
    echo "$b" >>"$tmp/tmp.rps"
done
ml=$(median <"$tmp/lt.rps") mt=$(median <"$tmp/tmp.rps")
say "median: long-term $ml req/s, temporary $mt req/s, temporary slower by $(awk -v a="$ml" -v b="$mt" 'BEGIN {printf "%.1f", (a-b)*100/a}')% (target < 10%)"
$py "$root/bench/server/gen_wrk.py" assume-role "http://127.0.0.1:$port" "$key" "$secret" "$tmp/assume.lua" "$role_arn"
say "AssumeRole (each reply a new session): $(rps "$tmp/assume.lua" "http://127.0.0.1:$port/") req/s"

say ""
say "## 2. CreateUser writes (wrk -t2 -c8, ${secs}s)"
$py "$root/bench/server/gen_wrk.py" create-user "http://127.0.0.1:$port" "$key" "$secret" "$tmp/create.lua" 60000
wrk -t2 -c8 -d"${secs}s" -s "$tmp/create.lua" "http://127.0.0.1:$port/" >"$tmp/create.out"
say "$(grep -E 'Requests/sec|Non-2xx|requests in' "$tmp/create.out" | sed 's/^ *//')"
stop_iamd

say ""
say "## 3. Start-up with $users users x 10 attachments"
$py "$root/bench/server/populate.py" "$data/iamd.db" 123456789012 "$users" 10 1000 | tee -a "$out"
for r in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    start_iamd "$data" "$port"
    wait_healthy "$port"
    t1=$(date +%s%N)
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$iamd_pid/status")
    say "run $r: ready in $(((t1 - t0) / 1000000)) ms, peak RSS $((rss / 1024)) MiB"
    if ((r == runs)); then
        $py - "$port" "$key" "$secret" <<'PY' | tee -a "$out"
import statistics, sys, time, uuid
import boto3
from botocore.config import Config
port, key, secret = sys.argv[1:4]
iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id=key, aws_secret_access_key=secret,
                   config=Config(retries={"max_attempts": 1}))
iam.get_user()
ts = []
for i in range(20):
    name = f"visible-{uuid.uuid4().hex[:10]}"
    t0 = time.perf_counter()
    iam.create_user(UserName=name)
    t1 = time.perf_counter()
    iam.get_user(UserName=name)  # visible on the very next request
    ts.append((t1 - t0) * 1000)
print(f"single CreateUser at this size, committed and visible: median {statistics.median(ts):.2f} ms, max {max(ts):.2f} ms (client-side, incl. HTTP)")
PY
    fi
    stop_iamd
done
say ""
say "results in $out"

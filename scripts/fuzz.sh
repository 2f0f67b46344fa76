#!/usr/bin/env bash
# scripts/fuzz.sh - build the libFuzzer targets and fuzz them.
#
#   scripts/fuzz.sh                           every fuzz/fuzz_*.c target, sharing
#                                             one budget of $IAM_FUZZ_BUDGET
#                                             seconds (default 180) in all
#   scripts/fuzz.sh --target NAME --seconds N one target for N seconds
#
# Options: --target NAME (repeatable; "fuzz_x" or "x"), --seconds N (each
# target's time, instead of a share of the budget), --budget N, --jobs N
# (targets fuzzed at once; default: the number of cores, at most the number of
# targets), --no-build (use build/fuzz as it is).
#
# The build is build/fuzz: clang, -DIAM_FUZZ=ON -DIAM_SANITIZE=asan+ubsan
# (IAM_FUZZ instruments libiam too, so libFuzzer sees its coverage).
# Each target fuzzes a fresh COPY of fuzz/corpus/<name>/ made under
# build/fuzz/work/<target>/ (the tree is never written to; new inputs stay
# there for you to look at or merge), with fuzz/<name>.dict or
# fuzz/fuzz_<name>.dict when present, and libFuzzer flags from
# fuzz/<name>.options (OSS-Fuzz format: "[libfuzzer]" then "max_len = 4096").
# A crash, leak, timeout or OOM fails the run: the input is saved under
# build/fuzz/artifacts/ and printed in base64. The last line is
# "fuzz: N passed, N failed" (one unit per target).

set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

budget=${IAM_FUZZ_BUDGET:-180}
seconds=""
jobs=${IAM_FUZZ_JOBS:-$IAM_JOBS}
build=1
want=()
while (($#)); do
    case $1 in
        --target)  [[ $# -ge 2 ]] || usage; want+=("$2"); shift 2 ;;
        --seconds) [[ $# -ge 2 ]] || usage; seconds=$2; shift 2 ;;
        --budget)  [[ $# -ge 2 ]] || usage; budget=$2; shift 2 ;;
        --jobs)    [[ $# -ge 2 ]] || usage; jobs=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) usage ;;
        *) echo "fuzz: unknown argument: $1" >&2; usage ;;
    esac
done
for n in "$budget" "$jobs" ${seconds:+"$seconds"}; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: not a positive number: $n" >&2; exit 2; }
done

BUILD=$IAM_ROOT/build/fuzz
ART=$BUILD/artifacts
WORK=$BUILD/work
LOGS=$BUILD/logs

mapfile -t all < <(iam_fuzz_targets)
targets=()
if ((${#want[@]})); then
    for w in "${want[@]}"; do
        w=fuzz_${w#fuzz_}
        if [[ ! -f $IAM_ROOT/fuzz/$w.c ]]; then
            echo "fuzz: no such target: $w (fuzz/$w.c); known: ${all[*]:-none}" >&2
            exit 2
        fi
        targets+=("$w")
    done
else
    targets=("${all[@]}")
fi

if ((${#targets[@]} == 0)); then
    echo "fuzz: no fuzz targets yet (fuzz/fuzz_*.c); nothing to fuzz"
    echo "fuzz: 0 passed, 0 failed"
    exit 0
fi

build_failed=0
if ((build)); then
    "$IAM_ROOT/scripts/deps.sh" test || exit 1
    echo "fuzz: building ${targets[*]} in build/fuzz (clang, libFuzzer, ASan+UBSan)"
    if ! iam_configure "$BUILD" clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DIAM_FUZZ=ON -DIAM_SANITIZE=asan+ubsan -DBUILD_TESTING=OFF; then
        echo "fuzz: configure failed"
        echo "fuzz: 0 passed, ${#targets[@]} failed"
        exit 1
    fi
    iam_build "$BUILD" "${targets[@]}" || build_failed=1
fi

n=${#targets[@]}
((jobs > n)) && jobs=$n
rounds=$(((n + jobs - 1) / jobs))
if [[ -n $seconds ]]; then
    per=$seconds
else
    # One shared budget of wall time: J targets are fuzzed at once, in
    # ceil(N/J) rounds, so each target gets budget / rounds seconds.
    per=$((budget / rounds))
    ((per < 1)) && per=1
fi
echo "fuzz: ${n} target(s), ${per} s each, ${jobs} at a time (about $((rounds * per)) s)"

iam_sanitizer_env
mkdir -p "$ART" "$WORK" "$LOGS"

# fuzz_one TARGET SECONDS: fuzzes one target; leaves its exit status in
# $LOGS/TARGET.rc and its output in $LOGS/TARGET.log.
fuzz_one() {
    local t=$1 secs=$2 name=${1#fuzz_} exe=$BUILD/fuzz/$1 corpus dict opts rc
    local flags=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
                 -print_final_stats=1 -artifact_prefix="$ART/$t-")
    rm -f "$ART/$t"-* "$LOGS/$t.rc"
    rm -rf "${WORK:?}/$t"
    mkdir -p "$WORK/$t"
    for corpus in "$IAM_ROOT/fuzz/corpus/$name" "$IAM_ROOT/fuzz/corpus/$t"; do
        if [[ -d $corpus ]]; then
            cp -R "$corpus/." "$WORK/$t/"
            break
        fi
    done
    for dict in "$IAM_ROOT/fuzz/$name.dict" "$IAM_ROOT/fuzz/$t.dict"; do
        if [[ -f $dict ]]; then
            flags+=(-dict="$dict")
            break
        fi
    done
    for opts in "$IAM_ROOT/fuzz/$name.options" "$IAM_ROOT/fuzz/$t.options"; do
        if [[ -f $opts ]]; then
            # "key = value" lines of the [libfuzzer] section become -key=value.
            while IFS= read -r kv; do
                flags+=("$kv")
            done < <(awk '/^\[/ { s = ($0 ~ /^\[libfuzzer\]/) ; next }
                          s && /=/ { k = $0; sub(/[ \t]*=.*/, "", k); v = $0;
                                     sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v);
                                     if (k != "") print "-" k "=" v }' "$opts")
            break
        fi
    done
    if [[ ! -x $exe ]]; then
        echo "fuzz: $t was not built" >"$LOGS/$t.log"
        echo 1 >"$LOGS/$t.rc"
        return
    fi
    echo "fuzz: $t: fuzzing for ${secs} s ($(find "$WORK/$t" -type f | wc -l) seed inputs)"
    # libFuzzer stops itself after max_total_time; the outer timeout is only
    # a guard against a hang outside an input (loading, merging, reporting).
    echo "+ ${exe#"$IAM_ROOT"/} ${flags[*]} ${WORK#"$IAM_ROOT"/}/$t" >"$LOGS/$t.log"
    timeout -k 10 $((secs + 120)) "$exe" "${flags[@]}" "$WORK/$t" >>"$LOGS/$t.log" 2>&1
    rc=$?
    echo "$rc" >"$LOGS/$t.rc"
    echo "fuzz: $t: finished ($( ((rc == 0)) && echo ok || echo "FAILED, exit $rc"))"
}

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    exit 130
}
trap cleanup INT TERM

start=$EPOCHSECONDS
# Slot s takes targets s, s+J, s+2J ... in turn (round-robin).
for ((s = 0; s < jobs; s++)); do
    (
        trap - INT TERM
        for ((i = s; i < n; i += jobs)); do
            fuzz_one "${targets[i]}" "$per"
        done
    ) &
    pids+=($!)
done
wait
trap - INT TERM

# report_excerpt LOG: the sanitizer or libFuzzer report in LOG (from its first
# error line, without the shadow-byte map), or else the end of LOG.
report_excerpt() {
    local log=$1
    if grep -qE 'ERROR:|runtime error:|deadly signal|out-of-memory|timeout after' "$log" 2>/dev/null; then
        awk '!on && /ERROR:|runtime error:|deadly signal|out-of-memory|timeout after/ { on = 1 }
             /Shadow bytes around the buggy address/ { skip = 1 }
             skip && /ABORTING/ { skip = 0 }
             on && !skip && n < 120 { print; n++ }' "$log"
    else
        tail -n 40 "$log" 2>/dev/null
    fi
}

passed=0 failed=0
for t in "${targets[@]}"; do
    rc=$(cat "$LOGS/$t.rc" 2>/dev/null || echo 1)
    log=$LOGS/$t.log
    stats=$(grep -E '^Done [0-9]+ runs' "$log" 2>/dev/null | tail -n 1)
    found=$(find "$WORK/$t" -type f 2>/dev/null | wc -l)
    mapfile -t arts < <(find "$ART" -maxdepth 1 -type f -name "$t-*" 2>/dev/null | LC_ALL=C sort)
    if [[ $rc == 0 && ${#arts[@]} == 0 ]]; then
        passed=$((passed + 1))
        echo "fuzz: $t: ok: ${stats:-no stats}; corpus now $found inputs (build/fuzz/work/$t)"
        continue
    fi
    failed=$((failed + 1))
    echo "fuzz: $t: FAILED (exit $rc); from build/fuzz/logs/$t.log:"
    report_excerpt "$log" | sed 's/^/    /'
    for a in "${arts[@]}"; do
        size=$(stat -c %s "$a")
        echo "fuzz: $t: input saved as ${a#"$IAM_ROOT"/} ($size bytes); base64:"
        if ((size <= 65536)); then
            base64 -w 76 "$a" | sed 's/^/    /'
        else
            echo "    (too large to print)"
        fi
        echo "fuzz: reproduce with: build/fuzz/fuzz/$t ${a#"$IAM_ROOT"/}"
    done
done
echo "fuzz: done in $((EPOCHSECONDS - start)) s"
if ((build_failed)); then
    echo "fuzz: the build failed (see above); that counts as one failure"
    failed=$((failed + 1))
fi
echo "fuzz: $passed passed, $failed failed"
((failed == 0))

#!/usr/bin/env bash
# scripts/test.sh - run every test of iamd (the README's test command; CI runs it).
#
# Steps, each timed; a failed step does not stop the ones after it:
#   deps        install missing Debian packages (scripts/deps.sh)
#   lint        banned libc calls (scripts/lint-banned.sh)
#   gcc         gcc build (build/gcc, RelWithDebInfo) + ctest: unit tests and
#               fuzz corpus replays
#   clang       clang build with -Werror (build/clang) + the same ctest
#   asan        clang ASan+UBSan build (build/asan) + the same ctest under the
#               sanitizers (leak detection on, halt on any UB report)
#   fuzz        libFuzzer build (build/fuzz) + scripts/fuzz.sh: one shared
#               budget of $IAM_FUZZ_BUDGET seconds (default 180) over all targets
#   cases       tests/cases/*.jsonl and examples/*.jsonl through
#               `iamctl policy test` (gcc build)
#   cases-asan  the same decision cases with the ASan+UBSan iamctl
#   cli         tests/cli/test_*.sh (iamctl from the outside: exit statuses,
#               output, bad input) against the gcc and the ASan+UBSan iamctl
#   e2e         tests/e2e (pytest): a fresh iamd driven by boto3, botocore's
#               signer and the aws CLI, against the gcc iamd
#   e2e-asan    the same suite against the ASan+UBSan iamd (any sanitizer
#               report makes iamd exit non-zero, which the suite checks)
# Then a table of the steps and ONE closing line, `N passed, N failed`, which
# sums the test units: ctest tests, decision cases, one per fuzz target, one
# per lint or compile check, and one for any step that failed without
# counting a test of its own. Exit status 0 only when every step passed.
#
# Environment: IAM_FUZZ_BUDGET (seconds, default 180), IAM_JOBS (parallel
# jobs, default: the number of cores), IAM_STEPS (space-separated subset of
# the step names above to run, e.g. IAM_STEPS="lint gcc cases").

set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$IAM_ROOT" || exit 1

LOGDIR=$IAM_ROOT/build/logs
mkdir -p "$LOGDIR"
iam_sanitizer_env

ALL_STEPS="deps lint gcc clang asan fuzz cases cases-asan cli e2e e2e-asan"
WANT_STEPS=" ${IAM_STEPS:-$ALL_STEPS} "
for s in $WANT_STEPS; do
    if [[ " $ALL_STEPS " != *" $s "* ]]; then
        echo "test: unknown step '$s' in IAM_STEPS; the steps: $ALL_STEPS" >&2
        exit 2
    fi
done

# Per-step results, filled by each step function.
STEP_P=0 STEP_F=0 STEP_NOTE="" STEP_SKIPPED=0 SUMMARY_FAILED=0
T_NAMES=() T_STATUS=() T_P=() T_F=() T_SECS=() T_NOTES=()
TOTAL_P=0 TOTAL_F=0 TOTAL_S=0

log_of() { printf '%s/%s.log' "$LOGDIR" "$1"; }

# logged LOG CMD...: runs CMD, its output shown and appended to LOG; returns
# CMD's status.
logged() {
    local log=$1
    shift
    echo "+ $*" | sed "s|$IAM_ROOT/||g"
    "$@" 2>&1 | tee -a "$log"
    return "${PIPESTATUS[0]}"
}

# ctest_in DIR LOG: runs DIR's tests and adds them to STEP_P/STEP_F.
ctest_in() {
    local dir=$1 log=$2 rc line total bad
    : >"$log.ctest"
    logged "$log.ctest" ctest --test-dir "$dir" --output-on-failure -j "$IAM_JOBS" \
        --no-tests=ignore
    rc=$?
    cat "$log.ctest" >>"$log"
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log.ctest" | tail -n 1)
    if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
        bad=${BASH_REMATCH[1]}
        total=${BASH_REMATCH[2]}
        STEP_P=$((STEP_P + total - bad))
        STEP_F=$((STEP_F + bad))
    elif grep -q 'No tests were found' "$log.ctest"; then
        STEP_NOTE+="no ctest tests yet; "
    elif ((rc != 0)); then
        STEP_F=$((STEP_F + 1))
        STEP_NOTE+="ctest failed without a summary; "
    fi
    return "$rc"
}

# cmake_step NAME DIR CC [cmake options...]: configure + build + ctest; the
# build counts as one unit (a compile check), the tests as themselves.
cmake_step() {
    local name=$1 dir=$2 cc=$3 log rc=0
    shift 3
    log=$(log_of "$name")
    if ! logged "$log" iam_configure "$dir" "$cc" "$@"; then
        STEP_F=$((STEP_F + 1))
        STEP_NOTE+="configure failed; "
        return 1
    fi
    if logged "$log" iam_build "$dir"; then
        STEP_P=$((STEP_P + 1))
    else
        STEP_F=$((STEP_F + 1))
        STEP_NOTE+="build failed; "
        rc=1
    fi
    # Run what did build even after a build failure: one broken file should
    # not hide the results of the rest (tests that did not build fail).
    ctest_in "$dir" "$log" || rc=1
    return "$rc"
}

step_deps() {
    logged "$(log_of deps)" "$IAM_ROOT/scripts/deps.sh" test
}

step_lint() {
    if logged "$(log_of lint)" "$IAM_ROOT/scripts/lint-banned.sh"; then
        STEP_P=1
    else
        STEP_F=1
        return 1
    fi
}

step_gcc() {
    cmake_step gcc build/gcc gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo
}

step_clang() {
    cmake_step clang build/clang clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIAM_WERROR=ON
}

step_asan() {
    cmake_step asan build/asan clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DIAM_SANITIZE=asan+ubsan
}

step_fuzz() {
    local log rc line
    log=$(log_of fuzz)
    logged "$log" "$IAM_ROOT/scripts/fuzz.sh"
    rc=$?
    line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        STEP_P=${BASH_REMATCH[1]}
        STEP_F=${BASH_REMATCH[2]}
        ((STEP_P + STEP_F == 0)) && STEP_NOTE+="no fuzz targets yet; "
    fi
    return "$rc"
}

# run_cases NAME IAMCTL: every decision-case file through `iamctl policy test`.
run_cases() {
    local name=$1 iamctl=$2 log f rc=0 frc odd=0
    local files=()
    log=$(log_of "$name")
    for f in tests/cases/*.jsonl examples/*.jsonl; do
        [[ -f $f ]] && files+=("$f")
    done
    if ((${#files[@]} == 0)); then
        echo "no decision-case files yet (tests/cases/*.jsonl)"
        STEP_NOTE+="no case files yet; "
        return 0
    fi
    if [[ ! -x $iamctl ]]; then
        echo "${iamctl#"$IAM_ROOT"/} was not built; cannot run ${#files[@]} case file(s)"
        STEP_F=1
        STEP_NOTE+="no iamctl; "
        return 1
    fi
    for f in "${files[@]}"; do
        : >"$log.one"
        logged "$log.one" "$iamctl" policy test "$f"
        frc=$?
        cat "$log.one" >>"$log"
        if add_summary "$log.one"; then
            if ((frc != 0 && SUMMARY_FAILED == 0)); then
                STEP_F=$((STEP_F + 1))   # failed without saying so
                odd=$((odd + 1))
                echo "$name: $f: exit status $frc with no failed case" | tee -a "$log"
            fi
        else
            STEP_F=$((STEP_F + 1))
            odd=$((odd + 1))
            echo "$name: $f: no summary line (exit status $frc)" | tee -a "$log"
            frc=1
        fi
        ((frc == 0)) || rc=1
    done
    STEP_NOTE+="${#files[@]} files; "
    ((odd)) && STEP_NOTE+="$odd ended abnormally; "
    return "$rc"
}

step_cases() {
    run_cases cases "$IAM_ROOT/build/gcc/src/iamctl/iamctl"
}

step_cases-asan() {
    run_cases cases-asan "$IAM_ROOT/build/asan/src/iamctl/iamctl"
}

# add_summary LOG: adds the "N passed, N failed[, N skipped]" last line of
# LOG to STEP_P/STEP_F; returns 1 when LOG has no such last line.
add_summary() {
    local last
    last=$(grep -v '^[[:space:]]*$' "$1" | tail -n 1)
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
        STEP_P=$((STEP_P + BASH_REMATCH[1]))
        STEP_F=$((STEP_F + BASH_REMATCH[2]))
        STEP_SKIPPED=$((STEP_SKIPPED + ${BASH_REMATCH[4]:-0}))
        SUMMARY_FAILED=${BASH_REMATCH[2]}
        return 0
    fi
    return 1
}

# The CLI test scripts, each run against the gcc and the ASan+UBSan iamctl.
step_cli() {
    local log s build exe rc=0 src
    local scripts=()
    log=$(log_of cli)
    for s in tests/cli/test_*.sh; do
        [[ -f $s ]] && scripts+=("$s")
    done
    if ((${#scripts[@]} == 0)); then
        echo "no CLI test scripts yet (tests/cli/test_*.sh)"
        STEP_NOTE+="no CLI tests yet; "
        return 0
    fi
    for build in gcc asan; do
        exe=$IAM_ROOT/build/$build/src/iamctl/iamctl
        for s in "${scripts[@]}"; do
            if [[ ! -x $exe ]]; then
                echo "build/$build/src/iamctl/iamctl was not built; cannot run $s"
                STEP_F=$((STEP_F + 1))
                STEP_NOTE+="no $build iamctl; "
                rc=1
                continue
            fi
            : >"$log.one"
            logged "$log.one" bash "$s" "$exe"
            src=$?
            cat "$log.one" >>"$log"
            if add_summary "$log.one"; then
                if ((src != 0 && SUMMARY_FAILED == 0)); then
                    STEP_F=$((STEP_F + 1))
                    echo "cli: $s ($build): exit status $src with no failed test" | tee -a "$log"
                fi
            else
                STEP_F=$((STEP_F + 1))
                echo "cli: $s ($build): no summary line (exit status $src)" | tee -a "$log"
                src=1
            fi
            ((src == 0)) || rc=1
        done
    done
    return "$rc"
}

# run_e2e NAME BUILD: the pytest suite against BUILD's iamd and iamctl;
# pytest's own last line ("12 passed, 1 failed in 3.2s") is counted.
run_e2e() {
    local name=$1 build=$2 log rc line p f
    log=$(log_of "$name")
    if [[ ! -x $IAM_ROOT/build/$build/src/iamd/iamd ]]; then
        echo "build/$build/src/iamd/iamd was not built; cannot run tests/e2e"
        STEP_F=1
        STEP_NOTE+="no $build iamd; "
        return 1
    fi
    IAMD_BIN=$IAM_ROOT/build/$build/src/iamd/iamd \
        IAMCTL_BIN=$IAM_ROOT/build/$build/src/iamctl/iamctl \
        logged "$log" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e
    rc=$?
    # pytest -q ends with "172 passed, 1 skipped in 45.95s" (decorated with
    # '=' signs in other modes).
    line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|errors?|skipped).* in [0-9.]+s' "$log" | tail -n 1)
    p=0 f=0
    [[ $line =~ ([0-9]+)\ passed ]] && p=${BASH_REMATCH[1]}
    [[ $line =~ ([0-9]+)\ failed ]] && f=${BASH_REMATCH[1]}
    [[ $line =~ ([0-9]+)\ errors? ]] && f=$((f + BASH_REMATCH[1]))
    STEP_P=$p STEP_F=$f
    if [[ -z $line ]]; then
        STEP_F=$((STEP_F + 1))
        STEP_NOTE+="no pytest summary line; "
        rc=1
    fi
    return "$rc"
}

step_e2e() { run_e2e e2e gcc; }
step_e2e-asan() { run_e2e e2e-asan asan; }

# now_ms: wall clock in milliseconds.
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((10#${t:0:-3}))
}

fmt_secs() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

step() {
    local name=$1 desc=$2 t0 rc ms status
    if [[ $WANT_STEPS != *" $name "* ]]; then
        return
    fi
    STEP_P=0 STEP_F=0 STEP_NOTE="" STEP_SKIPPED=0
    : >"$(log_of "$name")"
    echo
    echo "==== $name: $desc"
    t0=$(now_ms)
    "step_$name"
    rc=$?
    ms=$(($(now_ms) - t0))
    if ((rc != 0 && STEP_F == 0)); then
        STEP_F=1   # a failed step always shows in the count
    fi
    ((STEP_SKIPPED)) && STEP_NOTE+="$STEP_SKIPPED skipped (not counted); "
    if ((rc == 0 && STEP_F == 0)); then status=ok; else status=FAILED; fi
    echo "==== $name: $status in $(fmt_secs "$ms") s"
    T_NAMES+=("$name") T_STATUS+=("$status") T_P+=("$STEP_P") T_F+=("$STEP_F")
    STEP_NOTE=${STEP_NOTE%; }
    ((${#STEP_NOTE} > 60)) && STEP_NOTE="${STEP_NOTE:0:57}..."
    T_SECS+=("$ms") T_NOTES+=("$STEP_NOTE")
    TOTAL_P=$((TOTAL_P + STEP_P))
    TOTAL_F=$((TOTAL_F + STEP_F))
    TOTAL_S=$((TOTAL_S + ms))
}

echo "iamd tests in $IAM_ROOT ($(uname -m), $IAM_JOBS jobs, fuzz budget ${IAM_FUZZ_BUDGET:-180} s)"
step deps       "Debian packages"
step lint       "banned libc calls"
step gcc        "gcc build + unit tests + corpus replays"
step clang      "clang -Werror build + unit tests + corpus replays"
step asan       "ASan+UBSan build + unit tests + corpus replays"
step fuzz       "libFuzzer, one shared budget"
step cases      "decision cases (iamctl policy test)"
step cases-asan "decision cases under ASan+UBSan"
step cli        "iamctl from the outside (tests/cli)"
step e2e        "iamd through boto3, botocore and the aws CLI (tests/e2e)"
step e2e-asan   "tests/e2e against the ASan+UBSan iamd"

echo
echo "==== summary (logs in build/logs/)"
printf '  %-11s %-7s %7s %7s %8s  %s\n' step status passed failed seconds note
failed_steps=()
for i in "${!T_NAMES[@]}"; do
    printf '  %-11s %-7s %7d %7d %8s  %s\n' "${T_NAMES[i]}" "${T_STATUS[i]}" \
        "${T_P[i]}" "${T_F[i]}" "$(fmt_secs "${T_SECS[i]}")" "${T_NOTES[i]}"
    [[ ${T_STATUS[i]} == ok ]] || failed_steps+=("${T_NAMES[i]}")
done
printf '  %-11s %-7s %7d %7d %8s\n' total "" "$TOTAL_P" "$TOTAL_F" "$(fmt_secs "$TOTAL_S")"
if ((${#failed_steps[@]})); then
    echo "failed steps: ${failed_steps[*]}"
fi
echo "$TOTAL_P passed, $TOTAL_F failed"
((${#failed_steps[@]} == 0))

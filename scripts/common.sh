# shellcheck shell=bash
# scripts/common.sh - helpers shared by run.sh, test.sh and fuzz.sh.
# Sourced, not executed. Defines IAM_ROOT (the repository root), IAM_JOBS
# (parallel build/test jobs) and the functions below; sets no shell options.

IAM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IAM_JOBS=${IAM_JOBS:-$(nproc 2>/dev/null || echo 2)}

# The sanitizer runtime options every sanitized run uses (unit tests, corpus
# replays, decision cases, fuzzing). Callers may override them from the
# environment.
iam_sanitizer_env() {
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    local sym
    for sym in /usr/lib/llvm-14/bin/llvm-symbolizer /usr/bin/llvm-symbolizer; do
        if [[ -z ${ASAN_SYMBOLIZER_PATH:-} && -x $sym ]]; then
            export ASAN_SYMBOLIZER_PATH=$sym
        fi
    done
}

# iam_configure DIR CC [cmake -D options...]
# Configures a Ninja build of the repository in DIR with compiler CC. A DIR
# made earlier by another generator or another compiler is wiped first, so
# that switching never leaves a half-reconfigured cache behind.
iam_configure() {
    local dir=$1 cc=$2 cache ccpath
    shift 2
    ccpath=$(command -v "$cc") || { echo "error: compiler '$cc' not found" >&2; return 1; }
    cache=$dir/CMakeCache.txt
    if [[ -f $cache ]]; then
        if ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache" ||
           ! grep -qx "CMAKE_C_COMPILER:[A-Z]*=$ccpath" "$cache"; then
            echo "note: $dir was configured differently; starting it afresh"
            rm -rf "$dir"
        fi
    fi
    cmake -S "$IAM_ROOT" -B "$dir" -G Ninja --log-level=WARNING \
          -DCMAKE_C_COMPILER="$ccpath" "$@"
}

# iam_build DIR [TARGET...]
# Builds DIR (all targets, or the ones named). Keeps going past a failed
# target so that one broken file does not hide the others' results; the
# status is still non-zero when anything failed.
iam_build() {
    local dir=$1
    shift
    local targets=()
    if (($#)); then targets=(--target "$@"); fi
    cmake --build "$dir" -j "$IAM_JOBS" "${targets[@]}" -- -k 0 --quiet
}

# iam_fuzz_targets: prints the names of the fuzz targets (fuzz/fuzz_*.c),
# sorted, one a line; nothing when there are none.
iam_fuzz_targets() {
    local f
    for f in "$IAM_ROOT"/fuzz/fuzz_*.c; do
        [[ -e $f ]] || continue
        f=${f##*/}
        printf '%s\n' "${f%.c}"
    done | LC_ALL=C sort
}

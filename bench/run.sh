#!/usr/bin/env bash
# bench/run.sh - iamd's policy engine side by side with its peers.
#
#   bench/run.sh              all peers (iam-simulate, Cedar wasm x2, casbin x2, the naive
#                             JS evaluator ref-js) and iamd, on small, medium and large
#   bench/run.sh --quick      only ref-js and iamd (about 1 minute)
#   bench/run.sh --scaling    C only: decision cost vs. statements of other services
#   options: --sizes small,medium  --keep (keep the temporary copy)  -- ARGS (to bench.js)
#
# Copies the shared harness ($IAM_SHARED_DIR/bench, default ../shared/bench
# next to the repository) to a temporary directory, runs `npm ci` there,
# builds bench_policy in Release (-O2, unit-test hooks off) into build/bench
# (or $IAM_BENCH_BUILD_DIR), checks iamd's decisions against expected.jsonl,
# runs `node bench.js` with iamd as an external engine, and saves everything
# to build/bench/results-<UTC date>.txt (plus the harness's .json). See
# bench/README.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${IAM_SHARED_DIR:-$root/../shared}
build=${IAM_BENCH_BUILD_DIR:-$root/build/bench}
mode=full
sizes=small,medium,large
keep=0
extra=()

while (($#)); do
    case $1 in
    --quick) mode=quick ;;
    --scaling) mode=scaling ;;
    --sizes) [[ $# -ge 2 ]] || { echo "run.sh: --sizes needs a value" >&2; exit 2; }; sizes=$2; shift ;;
    --keep) keep=1 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$build"
log() { printf '== %s\n' "$*" >&2; }

# ---- build (Release, -O2; BUILD_TESTING=OFF so that libiam is compiled
# without the IAM_UNIT_TESTS hooks, as iamd itself is) ----
gen=()
if command -v ninja >/dev/null; then gen=(-G Ninja); fi
if [[ ! -f $build/CMakeCache.txt ]]; then
    log "configuring $build"
    cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DBUILD_TESTING=OFF >/dev/null
fi
log "building bench_policy bench_scaling"
cmake --build "$build" --target bench_policy bench_scaling >/dev/null
runner=$build/bench/bench_policy
scaling=$build/bench/bench_scaling

machine() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
    echo "date (UTC): $(date -u '+%Y-%m-%d %H:%M:%S')"
    echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
    local rev dirty=""
    rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
    if ! git -C "$root" diff --quiet HEAD -- lib include 2>/dev/null; then
        dirty=" + uncommitted lib/include changes (diff sha1 $(git -C "$root" diff HEAD -- lib include | sha1sum | cut -c1-10))"
    fi
    echo "iamd: $rev$dirty, $(cc --version | head -1), Release -O2"
    echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [[ $mode == scaling ]]; then
    out=$build/scaling-$stamp.txt
    { machine; echo; "$scaling"; } | tee "$out"
    log "saved $out"
    exit 0
fi

# ---- the harness, in a writable copy ----
[[ -f $shared/bench/bench.js ]] || { echo "run.sh: no harness at $shared/bench (set IAM_SHARED_DIR)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/iamd-bench.XXXXXX")
if ((keep)); then log "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
cp -r "$shared/bench" "$work/"
chmod -R u+w "$work/bench"
hb=$work/bench
log "npm ci in $hb"
(cd "$hb" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

out=$build/results-$stamp.txt
json=$build/results-$stamp.json
{
    machine
    echo "node: $(node --version); harness: $shared/bench (copied to $hb)"
    echo
    echo "## iamd decisions vs. expected.jsonl (bench_policy --check)"
    IFS=, read -r -a size_list <<<"$sizes"
    for s in "${size_list[@]}"; do
        echo "-- $s"
        "$runner" --size-dir "$hb/workload/$s" --check "$hb/workload/$s/expected.jsonl" --explain 3 || true
    done
    echo
} | tee "$out"

args=(--sizes "$sizes" --min-seconds 2 --min-decisions 200 --warmup-seconds 1 --agree-seconds 5
      --external "ref-js=node tools/ext-refjs.js" --external "iamd=$runner"
      --json "$json")
[[ $mode == quick ]] && args+=(--engines '')
args+=("${extra[@]}")
log "node bench.js ${args[*]} (full run: several minutes)"
{
    echo "## node bench.js ${args[*]}"
    (cd "$hb" && node bench.js "${args[@]}" 2>&1)
    echo
    echo "## iamd against each peer in this run"
    node - "$json" <<'EOF'
const fs = require('fs');
const j = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x)) ? '-' :
  x >= 1e5 ? Math.round(x).toLocaleString('en-US') : x >= 100 ? x.toFixed(0) : x.toFixed(d);
const pad = (s, w, r) => (r ? String(s).padStart(w) : String(s).padEnd(w));
const rows = [['size', 'engine', 'load ms', 'dec/s', 'p50 us', 'p99 us', 'agree', 'iamd dec/s ÷', 'p50 ÷ iamd p50']];
const notes = [];
for (const size of [...new Set(j.results.map((r) => r.size))]) {
  const rs = j.results.filter((r) => r.size === size && !r.error);
  const me = rs.find((r) => r.engine === 'iamd');
  for (const r of rs) {
    const ag = r.agreement ? `${r.agreement.agree}/${r.agreement.checked}` : '-';
    rows.push([size, r.engine, f(r.loadMs, 1), f(r.decisionsPerSec, 0), f(r.p50Us, 3), f(r.p99Us, 3), ag,
      me && r !== me ? f(me.decisionsPerSec / r.decisionsPerSec, 1) + 'x' : '',
      me && r !== me ? f(r.p50Us / me.p50Us, 1) + 'x' : '']);
  }
  for (const r of j.results.filter((x) => x.size === size && x.error)) rows.push([size, r.engine, 'ERROR ' + r.error.slice(0, 80)]);
  if (me) {
    const i = me.info || {};
    const ref = rs.find((r) => /^ref-js/.test(r.engine));
    notes.push(`${size}: iamd p50 ${f(me.p50Us, 3)} us, p99 ${f(me.p99Us, 3)} us (timer ~${i.timerOverheadNs} ns included), ` +
      `${f(me.decisionsPerSec, 0)} dec/s timed, ${f(i.untimedDecisionsPerSec, 0)} dec/s untimed ` +
      `(${i.untimedNsPerDecision} ns/decision); context build p50 ${i.contextUs} us` +
      (i.contextReuseUs !== undefined ? ` (reused context ${i.contextReuseUs} us)` : '') + `; load ${f(me.loadMs, 1)} ms ` +
      `(parse ${me.phases && me.phases.parseMs} + index ${me.phases && me.phases.indexMs})` +
      (ref ? `; vs ref-js: ${f(me.decisionsPerSec / ref.decisionsPerSec, 1)}x dec/s timed, ` +
        `${f(i.untimedDecisionsPerSec / ref.decisionsPerSec, 1)}x untimed` : ''));
  }
}
const w = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] === undefined ? '' : r[c]).length)));
for (const r of rows) console.log(r.map((x, c) => pad(x === undefined ? '' : x, w[c], c > 1)).join('  ').trimEnd());
console.log('');
for (const n of notes) console.log(n);
const get = (s) => j.results.find((r) => r.size === s && r.engine === 'iamd' && !r.error);
const ref = (s) => j.results.find((r) => r.size === s && /^ref-js/.test(r.engine) && !r.error);
console.log('\ntargets (DESIGN.md §4 and the issue):');
for (const [s, lim] of [['medium', 1], ['large', 5]]) {
  const m = get(s);
  if (m) console.log(`  ${s}: p50 ${f(m.p50Us, 3)} us < ${lim} us: ${m.p50Us < lim ? 'met' : 'NOT met'}`);
}
for (const s of ['small', 'medium', 'large']) {
  const m = get(s), r = ref(s);
  if (m && r) {
    const x = m.decisionsPerSec / r.decisionsPerSec;
    console.log(`  ${s}: ${f(x, 1)}x ref-js decisions/s (timed) >= 20x: ${x >= 20 ? 'met' : 'NOT met'}`);
  }
}
EOF
    echo
    echo "harness JSON: $json"
} 2>&1 | tee -a "$out"
log "saved $out"

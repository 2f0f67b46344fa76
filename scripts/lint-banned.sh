#!/usr/bin/env bash
# scripts/lint-banned.sh [FILE|DIR...] - fail on calls to banned libc functions.
#
# Scans *.c and *.h under lib/ src/ include/ bench/ fuzz/ tests/unit/ (or the
# files and directories given) for whole-word calls of the functions in BANNED
# below, ignoring comments, string and character literals, and prints each hit
# as file:line: text. Exit 0 when clean, 1 when anything was found, 2 on a
# usage error. These functions have no bound on what they write (strcpy, gets),
# keep hidden state (strtok) or cannot report errors (atoi): use the capped
# buffers of lib/common, snprintf, strtol/strtoull with end and errno checks,
# or a length-taking parser instead.

set -euo pipefail

BANNED=(strcpy strcat sprintf vsprintf strtok atoi atol atoll sscanf gets)
DEFAULT_DIRS=(lib src include bench fuzz tests/unit)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

paths=("$@")
if ((${#paths[@]} == 0)); then
    for d in "${DEFAULT_DIRS[@]}"; do
        [[ -d $d ]] && paths+=("$d")
    done
fi

files=()
for p in "${paths[@]}"; do
    if [[ -d $p ]]; then
        while IFS= read -r -d '' f; do
            files+=("$f")
        done < <(find "$p" -type f \( -name '*.c' -o -name '*.h' \) -print0 | LC_ALL=C sort -z)
    elif [[ -f $p ]]; then
        files+=("$p")
    else
        echo "lint-banned: no such file or directory: $p" >&2
        exit 2
    fi
done

if ((${#files[@]} == 0)); then
    echo "lint-banned: no C files to check"
    exit 0
fi

pattern="(^|[^A-Za-z0-9_])($(IFS='|'; echo "${BANNED[*]}"))[ \\t]*\\("

# The awk program blanks out comments (also across lines), string literals and
# character literals, keeping the rest of each line, then matches the pattern
# and prints the original line.
hits=$(LC_ALL=C awk -v pat="$pattern" '
FNR == 1 { incomment = 0 }
{
    line = $0; out = ""; n = length(line); i = 1
    while (i <= n) {
        c = substr(line, i, 1); c2 = substr(line, i, 2)
        if (incomment) {
            if (c2 == "*/") { incomment = 0; i += 2; out = out " " } else i++
            continue
        }
        if (c2 == "/*") { incomment = 1; i += 2; continue }
        if (c2 == "//") break
        if (c == "\"" || c == "\047") {
            q = c; i++
            while (i <= n) {
                c = substr(line, i, 1)
                if (c == "\\") { i += 2; continue }
                i++
                if (c == q) break
            }
            out = out q q
            continue
        }
        out = out c; i++
    }
    if (out ~ pat) printf "%s:%d: %s\n", FILENAME, FNR, $0
}' "${files[@]}")

if [[ -n $hits ]]; then
    printf '%s\n' "$hits"
    echo "lint-banned: $(printf '%s\n' "$hits" | wc -l) call(s) of banned functions (${BANNED[*]})" >&2
    exit 1
fi
echo "lint-banned: ${#files[@]} files checked, no banned calls"

#!/usr/bin/env bash
# scripts/deps.sh [run|test|bench]  - install the Debian (bookworm) packages iamd needs.
#
#   run   what scripts/run.sh needs: the gcc toolchain, CMake/Ninja and the
#         libraries libiam and iamctl link (and cmocka, which every CMake
#         configure of the tree looks for).
#   test  the above plus what scripts/test.sh needs: clang, its sanitizer and
#         libFuzzer runtimes, the symbolizer for readable stack traces, and
#         the real AWS clients of the end-to-end tests. This is the default.
#   bench the above plus the peers and load generator of bench/.
#
# Idempotent and quiet: it asks dpkg which packages are missing, and only then
# runs apt-get update + install (as root, or through sudo when not root). When
# nothing is missing it needs no privileges and takes well under a second.

set -euo pipefail

# ---- The package lists: the ONE place to add a package. ---------------------
# One package (or one small group) per line, with what needs it.
RUN_PACKAGES=(
    build-essential   # gcc, make, libc headers, binutils (addr2line)
    cmake             # the build (3.25 on bookworm)
    ninja-build       # the generator the scripts use
    pkg-config        # how CMake finds the libraries below
    libjansson-dev    # JSON (libiam's policy parser)
    libcmocka-dev     # unit tests (looked for by every configure)
    libssl-dev        # OpenSSL 3: SigV4 HMACs, AES-GCM sealing of secrets, TLS helpers
    libsqlite3-dev    # the embedded store
    libsodium-dev     # Argon2id password hashes
    libmicrohttpd-dev # iamd's HTTP server (TLS through its GnuTLS backend)
    liboath-dev       # RFC 6238 TOTP codes of virtual MFA devices
    libqrencode-dev   # the QR code of CreateVirtualMFADevice
    libpng-dev        # ... drawn as a PNG
    libcurl4-openssl-dev # OIDC discovery: AssumeRoleWithWebIdentity fetches providers' keys over HTTPS
)
TEST_PACKAGES=(
    clang             # the -Werror clang build, ASan+UBSan, libFuzzer targets
    libclang-rt-14-dev # clang's sanitizer and libFuzzer runtimes
    llvm-14           # llvm-symbolizer: symbolized sanitizer stack traces
    python3           # tests/cli/test_cli.sh checks iamctl's --json output
    python3-pytest    # tests/e2e runner
    python3-boto3     # tests/e2e: the boto3 IAM client and botocore's SigV4 signer
    awscli            # tests/e2e: the unmodified aws CLI
    python3-jwt       # tests/e2e/test_web_identity.py: JWTs for AssumeRoleWithWebIdentity
    python3-cryptography # ... signed with RSA and EC keys generated in the test
    faketime          # tests/e2e/test_sts_time.py: libfaketime.so.1 moves a second iamd's clock
    nodejs            # tests/e2e/js: the AWS SDK for JavaScript v3 (needs Node >= 20 and npm;
                      # NodeSource's nodejs bundles npm, Debian's own 18.x is too old for the SDK)
)
BENCH_PACKAGES=(
    nginx-light       # the HTTP ceiling the server benchmark compares against
    wrk               # HTTP load generator with keep-alive
    curl              # bench/server.sh: health checks, one signed request
)
# Tools the scripts themselves use (bash, coreutils' timeout/base64/nproc,
# grep, sed, awk, find) are Essential in Debian and always present.
# -----------------------------------------------------------------------------

usage() {
    echo "usage: scripts/deps.sh [run|test|bench]" >&2
    exit 2
}

profile=${1:-test}
case $profile in
    run)  wanted=("${RUN_PACKAGES[@]}") ;;
    test) wanted=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
    bench) wanted=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${BENCH_PACKAGES[@]}") ;;
    -h|--help) usage ;;
    *)    usage ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: dpkg-query not found: this script installs Debian packages (bookworm)" >&2
    exit 1
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "deps: all ${#wanted[@]} packages present"
    exit 0
fi

if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        echo "deps: missing ${missing[*]}; re-running with sudo to install them"
        exec sudo -- bash "$0" "$profile"
    fi
    echo "deps: missing ${missing[*]}; run this as root (or install sudo)" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
log=$(mktemp "${TMPDIR:-/tmp}/iamd-deps.XXXXXX")
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o Dpkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
if ! { apt-get "${apt_opts[@]}" update &&
       apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    echo "deps: apt-get failed; its last lines:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
echo "deps: installed ${#missing[@]} package(s)"

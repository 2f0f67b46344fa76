#!/usr/bin/env bash
# scripts/run.sh - build iamd and run it (the README's run command).
#
# Installs missing Debian packages (scripts/deps.sh run), builds iamd and
# iamctl with gcc into build/gcc (RelWithDebInfo, the build scripts/test.sh
# also uses), initialises a data directory when there is none (an account,
# the user `admin` with AdministratorAccess, and its access key in
# DATA_DIR/admin-credentials), then starts `iamd serve` in the foreground
# and prints the endpoint and the credential file. Ctrl-C (SIGINT) or
# SIGTERM drains requests in flight and stops it.
#
# Environment (all optional):
#   IAMD_DATA_DIR  the data directory   (default /var/lib/iamd as root,
#                                        else $HOME/.local/share/iamd)
#   IAMD_LISTEN    HOST:PORT to listen  (default 127.0.0.1:8080)
#   IAMD_REGION    the region           (default us-east-1)
# As root, iamd runs as the system user `iamd`, created here when missing,
# which owns the data directory.

set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$IAM_ROOT"

"$IAM_ROOT/scripts/deps.sh" run
echo "run: building iamd and iamctl in build/gcc"
mkdir -p build/logs
if ! iam_configure build/gcc gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >build/logs/run-configure.log 2>&1; then
    cat build/logs/run-configure.log >&2
    echo "run: cmake configure failed" >&2
    exit 1
fi
cmake --build build/gcc -j "$IAM_JOBS" --target iamd iamctl -- --quiet

IAMD=$IAM_ROOT/build/gcc/src/iamd/iamd
if [[ $(id -u) == 0 ]]; then
    data=${IAMD_DATA_DIR:-/var/lib/iamd}
    if ! id -u iamd >/dev/null 2>&1; then
        echo "run: creating the system user iamd"
        useradd --system --home-dir "$data" --no-create-home --shell /usr/sbin/nologin iamd
    fi
    user_args=(--user iamd)
else
    data=${IAMD_DATA_DIR:-$HOME/.local/share/iamd}
    user_args=()
fi
listen=${IAMD_LISTEN:-127.0.0.1:8080}
region=${IAMD_REGION:-us-east-1}

if [[ ! -e $data/iamd.db ]]; then
    echo "run: initialising $data"
    "$IAMD" init --data-dir "$data" --region "$region"
fi
if [[ $(id -u) == 0 ]]; then
    chown -R iamd: "$data"
fi

cat <<MSG

run: iamd is starting on http://$listen (region $region, data in $data)
run: the admin's access key is in $data/admin-credentials. Try:

  AWS_SHARED_CREDENTIALS_FILE=$data/admin-credentials \\
    aws --endpoint-url http://$listen --region $region iam list-users

  or set up a profile with: build/gcc/src/iamctl/iamctl configure \\
    --endpoint-url http://$listen --credentials-file $data/admin-credentials

MSG
exec "$IAMD" serve --data-dir "$data" --listen "$listen" --region "$region" "${user_args[@]}"

#!/bin/sh
# Usage: scripts/in-trixie.sh FOLDER COMMAND [ARGS...]
#
# Runs COMMAND as root inside the Debian trixie root that scripts/install-tools.sh
# builds (.cache/tools/trixie: Python 3.13 with watchfiles), in FOLDER, which is
# bind-mounted at the same path; /proc too. The mounts live in a private mount
# namespace, so they end with the process, and every step execs: COMMAND keeps the
# pid (and the process group) this script started with.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 FOLDER COMMAND [ARGS...]" >&2; exit 2; }
case $1 in /?*) ;; *) echo "in-trixie: FOLDER must be an absolute path other than /" >&2; exit 2 ;; esac
self=$(readlink -f -- "$0")
root=$(cd -- "$(dirname -- "$self")/.." && pwd)/.cache/tools/trixie
if [ "${IN_TRIXIE_NAMESPACE:-}" != 1 ]; then
  if [ ! -e "$root/.complete" ]; then
    echo "in-trixie: no trixie root in $root: run bash scripts/install-tools.sh (as root)" >&2
    exit 1
  fi
  mkdir -p "$root$1"
  IN_TRIXIE_NAMESPACE=1 exec unshare --mount --propagation private "$self" "$@"
fi
unset IN_TRIXIE_NAMESPACE
folder=$1
shift
mount --bind /proc "$root/proc"
mount --bind "$folder" "$root$folder"
# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
exec chroot "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$folder" "$@"

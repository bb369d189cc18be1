#!/bin/sh
# Usage: scripts/in-root.sh [--tmp DIR] [--home DIR] [--bind DIR]... [--volume DIR:PATH]... ROOT FOLDER COMMAND [ARGS...]
#
# Runs COMMAND as root inside a Debian root that scripts/install-tools.sh builds
# (ROOT: a name, `trixie` or `forky`, for .cache/tools/roots/NAME, or a root's path),
# in FOLDER, which is bind-mounted at the same path, as is each --bind DIR. It gets
# /proc, a /dev/shm of its own, and, as a container would:
#   --tmp DIR   DIR (a fresh folder) mounted on /tmp, so nothing another process left
#               in the machine's /tmp is seen, and nothing written there leaks;
#   --home DIR  DIR mounted on /root (set HOME=/root in the environment);
#   --volume DIR:PATH  DIR mounted on PATH (made in the root if missing), as Compose
#               mounts a named volume.
# The mounts live in a private mount namespace, so they end with the process, and
# every step execs: COMMAND keeps the pid (and the process group) this script started
# with. The environment is passed on as it is.
set -eu
# The caller's PATH is COMMAND's (inside the root): this script names its own tools.
PATH_HOST=/usr/sbin:/usr/bin:/sbin:/bin
host() { PATH=$PATH_HOST "$@"; }
usage() { echo "usage: $0 [--tmp DIR] [--home DIR] [--bind DIR]... [--volume DIR:PATH]... ROOT FOLDER COMMAND [ARGS...]" >&2; exit 2; }
absolute() { case $1 in /?*) ;; *) echo "in-root: $2 must be an absolute path other than /, not \"$1\"" >&2; exit 2 ;; esac; }
self=$(host readlink -f -- "$0")

if [ "${IN_ROOT_NAMESPACE:-}" != 1 ]; then
  # Every argument is checked before anything is mounted. (Paths hold no blanks.)
  tmp='' home='' binds='' volumes=''
  while [ $# -gt 0 ]; do
    case $1 in
      --tmp) [ $# -ge 2 ] || usage; absolute "$2" --tmp; tmp=$2; shift 2 ;;
      --home) [ $# -ge 2 ] || usage; absolute "$2" --home; home=$2; shift 2 ;;
      --bind) [ $# -ge 2 ] || usage; absolute "$2" --bind; binds="$binds $2"; shift 2 ;;
      --volume)
        [ $# -ge 2 ] || usage
        case $2 in *:*) ;; *) echo "in-root: --volume takes DIR:PATH, not \"$2\"" >&2; exit 2 ;; esac
        absolute "${2%%:*}" --volume; absolute "${2#*:}" --volume
        volumes="$volumes $2"; shift 2 ;;
      --*) echo "in-root: unknown option $1" >&2; usage ;;
      *) break ;;
    esac
  done
  [ $# -ge 3 ] || usage
  case $1 in
    /*) root=$1 ;;
    *[!a-z0-9-]* | '') echo "in-root: ROOT must be a root's name (trixie, forky) or path, not \"$1\"" >&2; exit 2 ;;
    *) root=$(cd -- "$(host dirname -- "$self")/.." && pwd)/.cache/tools/roots/$1 ;;
  esac
  absolute "$2" FOLDER
  if [ ! -e "$root/.complete" ]; then
    echo "in-root: no Debian root in $root: run bash scripts/install-tools.sh (as root)" >&2
    exit 1
  fi
  for dir in "$2" $binds $tmp $home $(for volume in $volumes; do echo "${volume%%:*}"; done); do
    [ -d "$dir" ] || { echo "in-root: $dir is not a folder" >&2; exit 2; }
  done
  root=$(host readlink -f -- "$root")
  IN_ROOT_NAMESPACE=1 IN_ROOT_TMP=$tmp IN_ROOT_HOME=$home IN_ROOT_BINDS=$binds IN_ROOT_VOLUMES=$volumes \
    exec /usr/bin/unshare --mount --propagation private "$self" "$root" "$@"
fi

root=$1
folder=$3
shift 3
tmp=$IN_ROOT_TMP home=$IN_ROOT_HOME binds=$IN_ROOT_BINDS volumes=$IN_ROOT_VOLUMES
unset IN_ROOT_NAMESPACE IN_ROOT_TMP IN_ROOT_HOME IN_ROOT_BINDS IN_ROOT_VOLUMES
host mount --bind /proc "$root/proc"
host mkdir -p "$root/dev/shm"
host mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/dev/shm"
# The private /tmp first: the folders below may lie under /tmp.
if [ -n "$tmp" ]; then
  host mount --bind "$tmp" "$root/tmp"
fi
if [ -n "$home" ]; then
  host mount --bind "$home" "$root/root"
fi
for dir in "$folder" $binds; do
  host mkdir -p "$root$dir"
  host mount --bind "$dir" "$root$dir"
done
for volume in $volumes; do
  host mkdir -p "$root${volume#*:}"
  host mount --bind "${volume%%:*}" "$root${volume#*:}"
done
# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
exec /usr/sbin/chroot "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$folder" "$@"

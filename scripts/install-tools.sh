#!/usr/bin/env bash
# Install the real tools needed to check and run generated Django/Celery
# projects natively on Debian 12 (bookworm), without Docker and without PyPI.
#
#   * bookworm packages (apt-get install): shellcheck, nginx-light, postgresql
#     (15), redis-server, redis-tools, python3 (3.11), libpq5, wrk, dnsmasq-base
#     (a DNS server on loopback playing Docker's embedded one), tmux (the e2e
#     tier's real terminal), ...
#   * from Debian testing (forky), through a PRIVATE apt configuration kept in
#     .cache/tools/apt (the system's /etc/apt sources are never touched):
#       - docker-compose (Compose v2 binary)      -> .cache/tools/bin/docker-compose
#       - kubectl (for `kubectl kustomize`, offline) -> .cache/tools/bin/kubectl
#       - pure-Python Django/Celery stack (dpkg -x) -> .cache/tools/python
#   * wrappers in .cache/tools/bin: python, celery, gunicorn (system python3 +
#     the unpacked stack on PYTHONPATH)
#   * .cache/tools/env.sh to `source` (PATH, PYTHONPATH, TOOLS_PYTHON)
#   * two Debian roots (debootstrap) in .cache/tools/roots, the images' Pythons
#     with the standard library only: trixie (3.13, the default; Postgres 17,
#     Redis 8.0) and forky (3.14; Postgres 18, Redis 8.0, nginx 1.30, and
#     Caddy 2.11 with pebble, Let's Encrypt's test ACME server);
#     .cache/tools/bin/in-root runs a command inside one (chroot, in a private
#     mount namespace, with a /tmp of its own). The runtime tier builds each
#     Python environment it runs from a project's lock (scripts/stack/pystack.py).
#
# Idempotent: every step is skipped when its result is already present, so a
# second run takes a few seconds. Runs as root (or via sudo) with no stdin.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
TOOLS="$REPO_ROOT/.cache/tools"
APT_DIR="$TOOLS/apt"
DEBS="$TOOLS/debs"
BIN="$TOOLS/bin"
PYROOT="$TOOLS/python"
DIST="$PYROOT/usr/lib/python3/dist-packages"
COMPOSE_ROOT="$TOOLS/docker-compose"
KUBECTL_ROOT="$TOOLS/kubectl"
SYS_PYTHON=/usr/bin/python3
SUITE=forky

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

# bookworm packages (system-wide install)
SYSTEM_PACKAGES=(
  shellcheck nginx-light postgresql redis-server redis-tools python3 libpq5
  wrk curl ca-certificates openssl procps tzdata debian-archive-keyring dnsmasq-base tmux
  # a real SMTP server for the mail checks; the trixie root
  python3-aiosmtpd debootstrap
)
# forky packages unpacked into $PYROOT (all Architecture: all / pure Python).
# Dependencies needed on bookworm's python 3.11.2:
#   python3-async-timeout   redis-py uses it on python < 3.11.3
#   python3-typing-extensions psycopg 3 uses it on python < 3.13
PYTHON_PACKAGES=(
  python3-django python3-asgiref python3-sqlparse
  python3-celery python3-kombu python3-billiard python3-vine python3-amqp
  python3-click python3-click-didyoumean python3-click-repl
  python3-prompt-toolkit python3-wcwidth
  python3-dateutil python3-tzlocal python3-packaging python3-typing-extensions
  python3-six
  python3-redis python3-async-timeout
  python3-psycopg
  python3-gunicorn python3-whitenoise
  # the jQuery that Django's admin static files link to (collectstatic follows the links)
  libjs-jquery
  # database-backed beat schedule and result backend for Celery
  python3-django-celery-beat python3-cron-descriptor python3-crontab
  python3-croniter python3-django-timezone-field
  python3-django-celery-results
)
FORKY_PACKAGES=(docker-compose kubectl "${PYTHON_PACKAGES[@]}")

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'install-tools: error: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || die "run as root (or install sudo)"
  SUDO=(sudo -n)
fi

mkdir -p "$TOOLS"
# One run at a time (tests running in parallel may call this script).
exec 9>"$TOOLS/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

# --------------------------------------------------------------------------
# 1. bookworm system packages
# --------------------------------------------------------------------------
is_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

service_running() {
  case "$1" in
    postgresql) pgrep -x postgres >/dev/null 2>&1 ;;
    redis-server) pgrep -x redis-server >/dev/null 2>&1 ;;
    nginx) pgrep -x nginx >/dev/null 2>&1 ;;
  esac
}

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_CREATED=0
cleanup() {
  if [[ $POLICY_RC_CREATED -eq 1 ]]; then
    "${SUDO[@]}" rm -f "$POLICY_RC" || true
  fi
}
trap cleanup EXIT

install_system_packages() {
  local missing=() p
  for p in "${SYSTEM_PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "system packages: all present"
    return
  fi
  log "system packages: installing ${missing[*]}"

  # Services that were running before are left alone; any that apt starts are
  # stopped again afterwards. A policy-rc.d (if none exists) keeps apt from
  # starting them in the first place.
  local svc was_running=()
  for svc in postgresql redis-server nginx; do
    if service_running "$svc"; then was_running+=("$svc"); fi
  done
  if [[ ! -e $POLICY_RC ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY_RC" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY_RC"
    POLICY_RC_CREATED=1
  fi

  "${SUDO[@]}" apt-get update -q </dev/null
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null

  for svc in postgresql redis-server nginx; do
    if [[ " ${was_running[*]} " == *" $svc "* ]]; then continue; fi
    if service_running "$svc"; then
      log "stopping $svc (started by apt)"
      "${SUDO[@]}" service "$svc" stop </dev/null >/dev/null 2>&1 || true
    fi
  done
  cleanup
  POLICY_RC_CREATED=0
}

install_system_packages

# --------------------------------------------------------------------------
# 2. private apt configuration for Debian testing (forky)
# --------------------------------------------------------------------------
mirror_uri() {
  local uri=""
  if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  if [[ -z $uri ]]; then
    echo "No Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list." >&2
    return 1
  fi
  printf '%s\n' "$uri"
}

# bookworm's keyring (2023.3+deb12u2) holds the trixie archive keys, which
# sign forky's InRelease; no trusted=yes needed.
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
SOURCES_LINE="deb [signed-by=$KEYRING] $(mirror_uri) $SUITE main"
if [[ ! -f $APT_DIR/sources.list ]] || [[ $(<"$APT_DIR/sources.list") != "$SOURCES_LINE" ]]; then
  printf '%s\n' "$SOURCES_LINE" >"$APT_DIR/sources.list"
  rm -f "$APT_DIR/lists/"*_Packages* "$APT_DIR/lists/"*Release* 2>/dev/null || true
fi
APT_OPTS=(
  -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
  -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$APT_DIR/lists"
  -o "Dir::Cache=$APT_DIR/cache"
  -o Dir::State::status=/dev/null
  -o Acquire::Languages=none
  -o APT::Sandbox::User=root
  -o Debug::NoLocking=1
  -q
)

forky_update() {
  log "apt-get update ($SUITE, private config in ${APT_DIR#"$REPO_ROOT"/})"
  apt-get "${APT_OPTS[@]}" update </dev/null \
    || die "apt-get update for $SUITE failed (signature? keyring $KEYRING)"
}

forky_lists_present() {
  compgen -G "$APT_DIR/lists/*_dists_${SUITE}_main_binary-*_Packages*" >/dev/null
}

# --------------------------------------------------------------------------
# 3./4. download the forky .debs (only those not cached yet)
# --------------------------------------------------------------------------
deb_for() { compgen -G "$DEBS/${1}_*.deb" | head -n 1; }

mkdir -p "$DEBS"
missing_debs=()
for p in "${FORKY_PACKAGES[@]}"; do
  [[ -n $(deb_for "$p") ]] || missing_debs+=("$p")
done
if [[ ${#missing_debs[@]} -gt 0 ]]; then
  forky_lists_present || forky_update
  tmp=$(mktemp -d "$DEBS/.download.XXXXXX")
  log "apt-get download (${#missing_debs[@]} packages from $SUITE)"
  if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" download "${missing_debs[@]}" </dev/null); then
    # Lists may be stale (testing moves on): refresh them once and retry.
    forky_update
    (cd "$tmp" && apt-get "${APT_OPTS[@]}" download "${missing_debs[@]}" </dev/null) \
      || { rm -rf "$tmp"; die "apt-get download from $SUITE failed"; }
  fi
  mv "$tmp"/*.deb "$DEBS"/
  rm -rf "$tmp"
else
  log "$SUITE packages: all cached in ${DEBS#"$REPO_ROOT"/}"
fi

# Unpack each .deb once (a stamp per .deb file, so a newer .deb is unpacked).
unpack() { # unpack DEB DIR
  local deb=$1 dir=$2 stamp
  stamp="$dir/.unpacked/$(basename "$deb")"
  [[ -e $stamp ]] && return 0
  mkdir -p "$dir/.unpacked"
  dpkg -x "$deb" "$dir"
  : >"$stamp"
  log "unpacked $(basename "$deb")"
}

# docker-compose
unpack "$(deb_for docker-compose)" "$COMPOSE_ROOT"
mkdir -p "$BIN"
ln -sfn "$COMPOSE_ROOT/usr/libexec/docker/cli-plugins/docker-compose" "$BIN/docker-compose"
"$BIN/docker-compose" version >/dev/null || die "docker-compose does not run"

# kubectl: only its kustomize runs here (no cluster); it needs no server for that.
unpack "$(deb_for kubectl)" "$KUBECTL_ROOT"
ln -sfn "$KUBECTL_ROOT/usr/bin/kubectl" "$BIN/kubectl"
"$BIN/kubectl" version --client >/dev/null || die "kubectl does not run"

# Python stack
for p in "${PYTHON_PACKAGES[@]}"; do
  unpack "$(deb_for "$p")" "$PYROOT"
done
[[ -d $DIST ]] || die "no $DIST after unpacking"

# --------------------------------------------------------------------------
# 5. wrappers and env.sh
# --------------------------------------------------------------------------
write_if_changed() { # write_if_changed FILE MODE  (content on stdin)
  local file=$1 mode=$2 content
  content=$(cat)
  if [[ ! -f $file ]] || [[ $(<"$file") != "$content" ]]; then
    printf '%s\n' "$content" >"$file"
  fi
  chmod "$mode" "$file"
}

wrapper() { # wrapper NAME [python args before "$@"]
  local name=$1
  shift
  write_if_changed "$BIN/$name" 755 <<EOF
#!/bin/sh
# Generated by scripts/install-tools.sh: system python3 + the Django/Celery
# stack unpacked from Debian $SUITE.
here=\$(CDPATH= cd -- "\$(dirname -- "\$0")" && pwd)
PYTHONPATH="\$here/../python/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}"
export PYTHONPATH
exec $SYS_PYTHON $* "\$@"
EOF
}
wrapper python
wrapper celery -m celery
wrapper gunicorn -m gunicorn

PG_BIN=/usr/lib/postgresql/15/bin
if [[ ! -x $PG_BIN/postgres ]]; then
  # another major version (e.g. on a newer Debian): take the highest present
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/postgres ]] && PG_BIN=$d
  done
fi

write_if_changed "$TOOLS/env.sh" 644 <<EOF
# Generated by scripts/install-tools.sh -- source this file.
TOOLS_DIR='$TOOLS'
export TOOLS_DIR
case ":\$PATH:" in
  *":$BIN:"*) ;;
  *) PATH="$BIN:$PG_BIN:\$PATH" ;;
esac
export PATH
case ":\${PYTHONPATH:-}:" in
  *":$DIST:"*) ;;
  *) PYTHONPATH="$DIST\${PYTHONPATH:+:\$PYTHONPATH}" ;;
esac
export PYTHONPATH
TOOLS_PYTHON=$SYS_PYTHON
export TOOLS_PYTHON
EOF

# --------------------------------------------------------------------------
# 5b. Debian roots, the images' Pythons: trixie (3.13, the default) and forky
#     (3.14). Python and non-Python packages only: no python3-* library, so
#     nothing but the standard library is importable until the runtime tier puts
#     an environment built from a project's lock (scripts/stack/pystack.py) on
#     PYTHONPATH. Each also holds the data services of the images' majors where
#     Debian has them (trixie: Postgres 17, Redis 8.0; forky: Postgres 18,
#     Redis 8.0, nginx 1.30, Caddy 2.11 and pebble). scripts/in-root.sh runs a
#     command inside one.
#     Built once (debootstrap, both at the same time), then kept in .cache.
# --------------------------------------------------------------------------
ROOTS="$TOOLS/roots"
ROOT_SUITES=(trixie forky)
declare -A ROOT_PACKAGES=(
  [trixie]="python3,libpq5,procps,postgresql-17,redis-server"
  [forky]="python3,libpq5,procps,postgresql-18,redis-server,nginx-light,caddy,pebble"
)
# bookworm's debootstrap has no script for forky: sid's is the same.
declare -A ROOT_SCRIPT=([trixie]='' [forky]=/usr/share/debootstrap/scripts/sid)

missing_packages() { # missing_packages SUITE DIR: those of ROOT_PACKAGES[SUITE] not installed in DIR
  local wanted
  IFS=, read -ra wanted <<<"${ROOT_PACKAGES[$1]}"
  # shellcheck disable=SC2016 # dpkg-query's own ${...} fields
  chroot "$2" dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${wanted[@]}" 2>&1 | grep -v '^installed ' || true
}

build_root() { # build_root SUITE  (into $ROOTS/SUITE, logging to $ROOTS/SUITE.log)
  local suite=$1 dir="$ROOTS/$1" script_arg=()
  [[ -n ${ROOT_SCRIPT[$suite]} ]] && script_arg=("${ROOT_SCRIPT[$suite]}")
  # A finished debootstrap is kept for the checks below (.bootstrapped).
  if [[ ! -e $dir.partial/.bootstrapped ]]; then
    "${SUDO[@]}" rm -rf "$dir.partial"
    "${SUDO[@]}" debootstrap --variant=minbase --include="${ROOT_PACKAGES[$suite]}" \
      "$suite" "$dir.partial" "$(mirror_uri)" "${script_arg[@]}" </dev/null >"$ROOTS/$suite.log" 2>&1 || return 1
    "${SUDO[@]}" touch "$dir.partial/.bootstrapped"
  fi
  # Only a root that has the packages asked for, and no Python library, is kept.
  local missing
  missing=$(missing_packages "$suite" "$dir.partial")
  if [[ -n $missing ]]; then
    printf 'not installed in the %s root: %s\n' "$suite" "$missing" >>"$ROOTS/$suite.log"
    return 1
  fi
  local libraries
  # shellcheck disable=SC2016 # dpkg-query's own ${...} fields
  libraries=$(chroot "$dir.partial" dpkg-query -W -f='${db:Status-Status} ${Package}\n' 'python3-*' 2>/dev/null \
    | sed -n 's/^installed //p' | grep -v -x -e python3-minimal || true)
  if [[ -n $libraries ]]; then
    printf 'Python libraries in the %s root (it must hold the standard library only): %s\n' "$suite" "$libraries" >>"$ROOTS/$suite.log"
    return 1
  fi
  "${SUDO[@]}" rm -rf "$dir"
  "${SUDO[@]}" mv "$dir.partial" "$dir"
  "${SUDO[@]}" touch "$dir/.complete"
}

mkdir -p "$ROOTS"
building=()
for suite in "${ROOT_SUITES[@]}"; do
  if [[ -e $ROOTS/$suite/.complete ]]; then
    if [[ -z $(missing_packages "$suite" "$ROOTS/$suite") ]]; then
      log "$suite root: present"
      continue
    fi
    # A root of an earlier package list: built again, with the packages it lacks.
    "${SUDO[@]}" rm -f "$ROOTS/$suite/.complete"
    "${SUDO[@]}" rm -rf "$ROOTS/$suite.partial"
  fi
  log "debootstrap $suite into ${ROOTS#"$REPO_ROOT"/}/$suite (a few minutes, once)"
  build_root "$suite" &
  building+=("$suite:$!")
done
for job in "${building[@]}"; do
  wait "${job#*:}" || die "the ${job%%:*} root could not be built: see ${ROOTS#"$REPO_ROOT"/}/${job%%:*}.log"
done
# The root of an earlier layout (a trixie root holding Debian's Python stack).
"${SUDO[@]}" rm -rf "$TOOLS/trixie" "$BIN/in-trixie"
ln -sfn "$REPO_ROOT/scripts/in-root.sh" "$BIN/in-root"
probe=$(mktemp -d)
root_versions=()
for suite in "${ROOT_SUITES[@]}"; do
  # shellcheck disable=SC2016 # the inner shell's own $0 and $(...)
  root_versions+=("$("$BIN/in-root" --tmp "$probe" "$suite" "$probe" /bin/sh -c '
    pg=$(ls /usr/lib/postgresql)
    nginx=none
    if [ -x /usr/sbin/nginx ]; then nginx=$(/usr/sbin/nginx -v 2>&1 | sed "s/.*nginx\///"); fi
    caddy=none
    if [ -x /usr/bin/caddy ]; then caddy=$(/usr/bin/caddy version | cut -d" " -f1); fi
    printf "%s root: /usr/bin/python3 %s (standard library only: %s), Postgres %s, Redis %s, nginx %s, Caddy %s\n" \
      "$0" "$(/usr/bin/python3 -c "import sys; print(sys.version.split()[0])")" \
      "$(/usr/bin/python3 -c "import importlib.metadata as m; print(sorted(d.metadata[\"Name\"] for d in m.distributions()) or \"yes\")")" \
      "$(/usr/lib/postgresql/$pg/bin/postgres --version | awk "{ print \$3 }")" \
      "$(redis-server --version | sed "s/.* v=\([^ ]*\).*/\1/")" "$nginx" "$caddy"' "$suite")") \
    || die "the $suite root does not run"
done
rm -rf "$probe"

# --------------------------------------------------------------------------
# verify the Python stack and print versions
# --------------------------------------------------------------------------
py_versions=$(PYTHONPATH="$DIST" "$SYS_PYTHON" - <<'EOF'
import sys
import django, celery, kombu, redis, psycopg, gunicorn, whitenoise
from celery.bin.celery import main  # noqa: F401  (the `celery` CLI)
import django_celery_beat, django_celery_results  # noqa: F401
from importlib.metadata import version
pq = psycopg.pq.version()
print("python %s" % sys.version.split()[0])
print("django %s" % django.get_version())
print("celery %s" % celery.__version__)
print("kombu %s" % kombu.__version__)
print("redis-py %s" % redis.__version__)
print("psycopg %s (%s, libpq %d.%d)" % (psycopg.__version__, psycopg.pq.__impl__, pq // 10000, pq % 10000))
print("gunicorn %s" % gunicorn.__version__)
print("whitenoise %s" % version("whitenoise"))
print("django-celery-beat %s" % version("django-celery-beat"))
print("django-celery-results %s" % version("django_celery_results"))
EOF
) || die "the Python stack does not import (PYTHONPATH=$DIST)"

# --------------------------------------------------------------------------
# 6. summary
# --------------------------------------------------------------------------
first_line() { head -n 1 | tr -s ' '; }
{
  echo "--- tools (source ${TOOLS#"$REPO_ROOT"/}/env.sh) ---"
  echo "docker-compose $("$BIN/docker-compose" version --short)"
  echo "kubectl $("$BIN/kubectl" version --client | awk '/^Client Version:/ { print $3 }')"
  echo "shellcheck $(shellcheck --version | awk '/^version:/ { print $2 }')"
  /usr/sbin/nginx -v 2>&1 | first_line
  "$PG_BIN/postgres" --version | first_line
  redis-server --version | first_line
  /usr/sbin/dnsmasq --version | first_line
  { wrk -v 2>&1 || true; } | first_line
  printf '%s\n' "$py_versions"
  printf '%s\n' "${root_versions[@]}"
  echo "celery CLI: $("$BIN/celery" --version)"
  echo "gunicorn CLI: $("$BIN/gunicorn" --version)"
} >&2
log "tools ready in ${TOOLS#"$REPO_ROOT"/}"

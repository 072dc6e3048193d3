#!/bin/sh
# deps.sh - make sure the Debian packages sarasim builds and tests with are
# installed.  Installs the missing ones with apt-get when we may (root, or
# password-less sudo); otherwise prints the exact command and fails.  For
# tests it also installs the LwM2M test peer's node modules
# (tests/lwm2m-peer, `npm ci` from its lock file).
#   tools/deps.sh [build|test|fuzz|ci]
set -eu
mode="${1:-build}"
need="build-essential cmake pkg-config libuv1-dev libcjson-dev zlib1g-dev check libssl-dev"
# nodejs, npm: tests/lwm2m-peer, an independent LwM2M server on npm coap
# python3-pyftpdlib: the real FTP server test_ftp_live talks to
case "$mode" in
  test) need="$need lrzsz python3 python3-xmodem socat libcoap3-bin nodejs npm python3-pyftpdlib" ;;
  fuzz) need="$need clang" ;;
  ci)   need="$need lrzsz python3 python3-xmodem socat libcoap3-bin nodejs npm python3-pyftpdlib clang" ;;
esac

# Installed, or provided by an installed package (NodeSource's nodejs
# provides npm and conflicts with Debian's).
present() {
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "install ok installed" && return 0
  dpkg-query -W -f='${Status}|${Provides}\n' 2>/dev/null | sed -n 's/^install ok installed|//p' |
    tr ',' '\n' | sed 's/([^)]*)//; s/ //g' | grep -qx "$1"
}

install_packages() {
  missing=""
  for p in $need; do
    present "$p" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "sarasim needs these Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get install -y$missing" >&2
    exit 1
  fi
  echo "installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    $SUDO apt-get update >/dev/null 2>&1
    $SUDO apt-get install -y --no-install-recommends $missing
  }
}

# The peer's modules, exactly as its package-lock.json says; again whenever
# the lock file is newer than what npm last installed.
install_peer_modules() {
  peer="$(dirname "$0")/../tests/lwm2m-peer"
  stamp="$peer/node_modules/.package-lock.json"
  [ -f "$stamp" ] && [ ! "$peer/package-lock.json" -nt "$stamp" ] && return 0
  echo "installing the LwM2M test peer's node modules (npm ci in tests/lwm2m-peer)" >&2
  (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
    echo "npm ci failed in tests/lwm2m-peer: the LwM2M interop test needs npm coap (registry.npmjs.org)" >&2
    exit 1
  }
}

install_packages
case "$mode" in
  test|ci) install_peer_modules ;;
esac

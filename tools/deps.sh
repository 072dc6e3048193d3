#!/bin/sh
# deps.sh - make sure the Debian packages sarasim builds and tests with are
# installed.  Installs the missing ones with apt-get when we may (root, or
# password-less sudo); otherwise prints the exact command and fails.
#   tools/deps.sh [build|test|fuzz|ci]
set -eu
need="build-essential cmake pkg-config libuv1-dev libcjson-dev zlib1g-dev check libssl-dev"
case "${1:-build}" in
  test) need="$need lrzsz python3 python3-xmodem socat libcoap3-bin python3-pyftpdlib" ;;
  fuzz) need="$need clang" ;;
  ci)   need="$need lrzsz python3 python3-xmodem socat libcoap3-bin python3-pyftpdlib clang" ;;
esac
missing=""
for p in $need; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
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

#!/usr/bin/env bash
# Makes sure redis-server is installed (the cluster tests start their own instance on an
# ephemeral port with a temp dir; no system service is used). Debian/Ubuntu: installs the
# distribution's redis-server package non-interactively when it is missing.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "redis.sh: redis-server not found; installing it (apt-get)" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "redis.sh: no apt-get here: install redis-server (>= 6) yourself and put it on PATH" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends redis-server
# The package may start a system service; the tests never use it.
command -v redis-server >/dev/null

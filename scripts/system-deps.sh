#!/usr/bin/env bash
# System packages the tests need that npm cannot bring: Debian's Chromium for the browser
# tests (test/e2e). Installs only what is missing, so a second run does nothing. Never asks.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: /usr/bin/chromium is missing and apt-get is not available." >&2
  echo "system-deps: install Chromium with your package manager; the browser tests need it at /usr/bin/chromium." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: installing chromium needs root: run 'sudo apt-get install -y chromium' once." >&2
    exit 1
  fi
fi

echo "system-deps: installing Debian's chromium (for the browser tests)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q </dev/null
$SUDO apt-get install -y -q --no-install-recommends chromium </dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "system-deps: chromium was installed but /usr/bin/chromium is not there." >&2
  exit 1
fi
echo "system-deps: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)" >&2

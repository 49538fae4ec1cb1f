#!/usr/bin/env bash
# System packages the tests need that npm cannot bring: Debian's Chromium for the browser
# tests (test/e2e), coturn (turnserver) for the relay-only media test (test/e2e/turn.test.ts),
# and a small Chinese font so that the screenshots of the Chinese page can be read. Installs
# only what is missing, so a second run does nothing. Never asks.
set -euo pipefail

want=()
[ -x /usr/bin/chromium ] || want+=(chromium)
[ -x /usr/bin/turnserver ] || want+=(coturn)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  want+=(fonts-wqy-microhei)
fi
if [ ${#want[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  if [ -x /usr/bin/chromium ]; then
    echo "system-deps: no apt-get: install ${want[*]} yourself (without coturn the TURN test fails; without a Chinese font the Chinese screenshots show boxes)." >&2
    exit 0
  fi
  echo "system-deps: /usr/bin/chromium is missing and apt-get is not available." >&2
  echo "system-deps: install Chromium with your package manager; the browser tests need it at /usr/bin/chromium." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: installing ${want[*]} needs root: run 'sudo apt-get install -y ${want[*]}' once." >&2
    [ -x /usr/bin/chromium ] && exit 0
    exit 1
  fi
fi

echo "system-deps: installing ${want[*]} (for the browser tests)..." >&2
export DEBIAN_FRONTEND=noninteractive
if [ -x /usr/bin/chromium ]; then
  # Chromium is there: coturn and the font are installed if they can be. Without coturn the
  # TURN test (test/e2e/turn.test.ts) fails saying so; without the font the screenshots show boxes.
  { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${want[@]}"; } </dev/null ||
    echo "system-deps: could not install ${want[*]}: without coturn the TURN test fails; without the font the Chinese screenshots show boxes." >&2
  exit 0
fi
$SUDO apt-get update -q </dev/null
$SUDO apt-get install -y -q --no-install-recommends "${want[@]}" </dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "system-deps: chromium was installed but /usr/bin/chromium is not there." >&2
  exit 1
fi
echo "system-deps: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)" >&2

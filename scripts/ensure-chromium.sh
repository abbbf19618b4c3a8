#!/usr/bin/env bash
# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium fehlt: bitte 'sudo apt-get install chromium' ausführen (für die Browser-Tests)." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

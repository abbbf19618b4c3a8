#!/usr/bin/env bash
# The browser tests drive Debian's chromium (Playwright cannot download its own browser here)
# and inject axe-core (npm, see package.json) for the accessibility check.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    echo "Installing axe-core for the accessibility checks ..."
    npm install --no-audit --no-fund --silent
  else
    echo "npm fehlt: axe-core kann nicht installiert werden (für die Barrierefreiheits-Tests)." >&2
    exit 1
  fi
fi
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

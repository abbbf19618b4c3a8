#!/usr/bin/env bash
# The PDF report and the questionnaire PDF use WeasyPrint, which needs Debian's pango libraries
# (pip cannot bring them). Installs them when they are missing and we are root, else says what to do.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
if "$PYTHON" -c "import weasyprint" >/dev/null 2>&1; then
  exit 0
fi
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
if [ "$(id -u)" -ne 0 ]; then
  echo "WeasyPrint findet pango nicht: bitte 'sudo apt-get install $PACKAGES' ausführen (für die PDF-Berichte)." >&2
  exit 1
fi
echo "Installing Debian's pango libraries for WeasyPrint ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PACKAGES >/dev/null
"$PYTHON" -c "import weasyprint"

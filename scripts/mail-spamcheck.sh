#!/usr/bin/env bash
# Runs every mail kind the app sends through SpamAssassin's packaged rules, offline (-L: no DNS or
# network tests), and prints each mail's score and the rules that hit. Not part of `make test`:
#   bash scripts/mail-spamcheck.sh [OUT_DIR]     (the .eml files stay in OUT_DIR, default /tmp/lueckenlos-mails)
# Installs Debian's spamassassin if it is missing (as root; otherwise says what to run).
# Exits 1 when a mail scores 5 or more (SpamAssassin's default threshold).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/lueckenlos-mails}"
python="${PYTHON:-.venv/bin/python}"
if ! command -v spamassassin >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "spamassassin fehlt: bitte 'sudo apt-get install spamassassin' ausführen. / spamassassin is missing." >&2
    exit 1
  fi
  echo "Installing Debian's spamassassin ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spamassassin >/dev/null
fi
"$python" scripts/mail_samples.py "$out" >/dev/null 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
worst=0
printf '%-20s %6s  %s\n' "mail" "score" "rules"
for mail in "$out"/*.eml; do
  report=$(spamassassin -L -t <"$mail" 2>/dev/null)
  # X-Spam-Status is folded over several lines: join them before reading score and tests.
  status=$(printf '%s\n' "$report" | awk '/^X-Spam-Status:/{s=$0; next} s && /^[ \t]/{s=s $0; next} s{print s; s=""}' | head -1)
  score=$(printf '%s' "$status" | sed -n 's/.*score=\([-0-9.]*\).*/\1/p')
  tests=$(printf '%s' "$status" | sed -n 's/.*tests=\([^ ]*\).*/\1/p' | tr -d '\t ')
  printf '%-20s %6s  %s\n' "$(basename "$mail" .eml)" "$score" "$tests"
  if awk "BEGIN{exit !($score >= 5)}"; then worst=1; fi
done
echo "Die Mails liegen in $out (mit 'spamassassin -L -t < $out/invitation.eml' im Einzelnen ansehen)."
exit "$worst"

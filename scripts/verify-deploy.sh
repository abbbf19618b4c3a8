#!/usr/bin/env bash
# Check the deployment configs in deploy/ without starting anything:
#   systemd-analyze verify   on the units (in a throw-away root with the paths they expect), and
#   nginx -t                 on the site config (inside a minimal nginx.conf, with a throw-away
#                            self-signed certificate in place of the Let's Encrypt one).
#   consistency              scripts/check_deploy_consistency.py: units, site, env example, gunicorn
#                            and docs/deploy.md agree on the user, paths, ports and the env file
#                            (which sh and the app's parser must read the same).
#   verify_wheel.py          builds the wheel, installs it into a fresh venv outside the checkout
#                            and serves /login and a catalogue page with gunicorn (about a minute).
# Installs Debian's systemd / nginx packages when missing (root only); never starts a service.
# VERIFY_NO_INSTALL=1 skips the install and fails instead; VERIFY_SKIP_WHEEL=1 skips the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

need() {  # need <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "${VERIFY_NO_INSTALL:-0}" = 1 ] || [ "$(id -u)" -ne 0 ]; then
    echo "$1 fehlt: bitte 'sudo apt-get install $2' ausführen." >&2
    exit 1
  fi
  echo "Installing Debian's $2 ..."
  apt-get update -qq
  # policy-rc.d 101: the package must not start its service while we only want the binary.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  if [ "$created" = 1 ]; then rm -f "$policy"; fi
}

need systemd-analyze systemd
need nginx nginx
need openssl openssl

WORK=$(mktemp -d /tmp/lueckenlos-verify.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# --- systemd ---------------------------------------------------------------------------------
# The units name /srv/lueckenlos/app/.venv/bin/{gunicorn,flask}; verify checks that they exist and
# are executable, so give it a root where they do (stubs), plus the binaries the backup uses.
ROOT=$WORK/root
mkdir -p "$ROOT/etc/systemd/system" "$ROOT/srv/lueckenlos/app/.venv/bin" "$ROOT/etc/lueckenlos" \
         "$ROOT/usr/bin" "$ROOT/bin"
for tool in gunicorn flask; do printf '#!/bin/sh\n' >"$ROOT/srv/lueckenlos/app/.venv/bin/$tool"; chmod +x "$ROOT/srv/lueckenlos/app/.venv/bin/$tool"; done
for tool in /usr/bin/pg_dump /usr/bin/find /usr/bin/systemd-cat /bin/sh /bin/kill /bin/echo; do
  [ -e "$ROOT$tool" ] || { printf '#!/bin/sh\n' >"$ROOT$tool"; chmod +x "$ROOT$tool"; }
done
cp deploy/lueckenlos.env.example "$ROOT/etc/lueckenlos/env"
# The targets our units hang on (multi-user.target, timers.target, ...) come from the host.
mkdir -p "$ROOT/usr/lib/systemd"
cp -r /usr/lib/systemd/system "$ROOT/usr/lib/systemd/system"
cp deploy/systemd/*.service deploy/systemd/*.timer "$ROOT/etc/systemd/system/"
units=()
for unit in deploy/systemd/*.service deploy/systemd/*.timer; do units+=("$ROOT/etc/systemd/system/$(basename "$unit")"); done
echo "systemd-analyze verify: ${units[*]##*/}"
# Messages about the host's own units (outside our root) are not ours; ours must produce none.
output=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no --root="$ROOT" "${units[@]}" 2>&1) || {
  echo "$output" >&2; echo "systemd-analyze verify failed" >&2; exit 1; }
if echo "$output" | grep -E "lueckenlos" >&2; then
  echo "systemd-analyze verify reported problems in our units" >&2; exit 1
fi
echo "  ok"

# --- nginx -----------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=lueckenlos.example.de" \
  -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" >/dev/null 2>&1
sed -e "s#/etc/lueckenlos/tls/#$WORK/#" \
    -e "s#/var/log/nginx/#$WORK/#" deploy/nginx/lueckenlos.conf >"$WORK/lueckenlos.conf"
cat >"$WORK/nginx.conf" <<CONF
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/access.log;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    include $WORK/lueckenlos.conf;
}
CONF
echo "nginx -t: deploy/nginx/lueckenlos.conf"
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf"
echo "  ok"

# --- consistency -----------------------------------------------------------------------------
echo "consistency: users, paths, ports, env file (sh and the app), gunicorn reload"
python3 scripts/check_deploy_consistency.py
echo "  ok"

# --- the installed wheel ---------------------------------------------------------------------
if [ "${VERIFY_SKIP_WHEEL:-0}" != 1 ]; then
  python=python3
  [ -x .venv/bin/python ] && python=.venv/bin/python
  "$python" scripts/verify_wheel.py
fi
echo "Deployment configs verified."

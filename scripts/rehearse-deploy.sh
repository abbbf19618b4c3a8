#!/usr/bin/env bash
# Deploy rehearsal: runs the `sh step=…` blocks of docs/deploy.md word by word, in a scratch folder,
# and checks each stage with curl as an operator would:
#   install (packages, PostgreSQL role and database, env file, wrapper, schema, first admin),
#   the three services (gunicorn behind nginx with a self-signed certificate, on loopback),
#   a respondent link mailed by the mail worker to a local SMTP server and opened over HTTPS,
#   the backup unit, an update to a newer release with a migration and a changed route (the new
#   code must answer after `systemctl reload`), and a restore into a new database swapped in.
# Paths (/srv, /etc/lueckenlos, /var/…) are moved below the scratch folder and ports 80/443/8000
# replaced by free loopback ports (scripts/guide_steps.py); sudo, systemctl, journalctl, nginx
# and friends are stand-ins (scripts/rehearse_shim.py): CI has no systemd as PID 1.
#   REHEARSE_FROM=<commit>  install that older commit first (it must exist in the checkout's history)
#   REHEARSE_KEEP=1         keep the scratch folder (and print where it is)
# Needs: git, nginx, openssl, curl, PostgreSQL's server binaries, the checkout's .venv (aiosmtpd).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PY=${REHEARSE_PYTHON:-$REPO/.venv/bin/python}
started=$(date +%s)

fail() { echo "REHEARSAL FAILED: $*" >&2; exit 1; }
for tool in git nginx openssl curl; do command -v "$tool" >/dev/null || fail "$tool fehlt"; done
NGINX_BIN=$(command -v nginx)
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PG_BIN" ] || fail "PostgreSQL fehlt (sudo apt-get install postgresql)"
"$PY" -c "import aiosmtpd" 2>/dev/null || fail "$PY hat kein aiosmtpd (make .venv/.installed-test)"

R=$(mktemp -d /tmp/lueckenlos-rehearsal.XXXXXX)
chmod 0755 "$R"
cleanup() {
  status=$?
  set +e
  for pidfile in "$R"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile"); kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null
  done
  [ -s "$R/nginx/nginx.pid" ] && "$NGINX_BIN" -p "$R/nginx" -c "$R/nginx/nginx.conf" -s quit 2>/dev/null
  [ -n "${SMTP_PID:-}" ] && kill "$SMTP_PID" 2>/dev/null
  [ -d "$R/pgdata" ] && "${AS_POSTGRES[@]}" "$PG_BIN/pg_ctl" -D "$R/pgdata" -m fast stop >/dev/null 2>&1
  if [ "$status" -ne 0 ]; then
    echo "----- logs -----" >&2
    for log in "$R"/log/*.log "$R"/nginx/error.log "$R"/var/log/nginx/*.log "$R/pgdata/server.log"; do
      [ -f "$log" ] && { echo "== $log" >&2; tail -n 30 "$log" >&2; }
    done
  fi
  if [ "${REHEARSE_KEEP:-0}" = 1 ]; then echo "Scratch folder kept: $R"; else rm -rf "$R"; fi
  exit "$status"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port); SMTP_PORT=$(free_port)
PG_PORT=5432  # Debian's: only a Unix socket in the scratch folder (no TCP), so nothing else's port is taken
BASE="https://localhost:$HTTPS_PORT"

# --- the machine before the guide: Debian's folders, PostgreSQL, an SMTP relay ----------------------
mkdir -p "$R"/{srv,etc/systemd/system,etc/nginx/sites-available,etc/nginx/sites-enabled,usr/local/bin} \
         "$R"/{usr/local/sbin,var/lib,var/backups,var/log/nginx,var/www,var/run/postgresql,run,log,shims,maildir/{new,cur,tmp}}
AS_POSTGRES=()
if [ "$(id -u)" -eq 0 ]; then
  install -d -o postgres -g postgres "$R/pgdata" "$R/var/run/postgresql"
  AS_POSTGRES=(runuser -u postgres --)
fi
"${AS_POSTGRES[@]}" "$PG_BIN/initdb" -D "$R/pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS_POSTGRES[@]}" "$PG_BIN/pg_ctl" -D "$R/pgdata" -l "$R/pgdata/server.log" -w \
  -o "-c listen_addresses='' -k $R/var/run/postgresql -p $PG_PORT -c fsync=off" start >/dev/null
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$R/maildir" >"$R/log/smtp.log" 2>&1 &
SMTP_PID=$!

# The repository the guide clones: this checkout's HEAD (or REHEARSE_FROM) on branch main.
# A local clone, not a push: it works from CI's shallow or detached checkouts too.
git clone --quiet --bare "$REPO" "$R/source.git"
install_commit=$(git -C "$REPO" rev-parse HEAD)
if [ -n "${REHEARSE_FROM:-}" ]; then
  install_commit=$(git -C "$REPO" rev-parse --verify --quiet "${REHEARSE_FROM}^{commit}") \
    || fail "REHEARSE_FROM=$REHEARSE_FROM is not in this clone's history (git fetch --unshallow?)"
fi
git --git-dir="$R/source.git" update-ref refs/heads/main "$install_commit"
git --git-dir="$R/source.git" symbolic-ref HEAD refs/heads/main

for tool in systemctl journalctl sudo sudoedit apt-get adduser chown install git nginx; do
  printf '#!/bin/sh\nexec "%s" "%s" %s "$@"\n' "$PY" "$REPO/scripts/rehearse_shim.py" "$tool" >"$R/shims/$tool"
  chmod +x "$R/shims/$tool"
done
export REHEARSE_ROOT=$R REHEARSE_SHIMS=$R/shims REHEARSE_APP_PORT=$APP_PORT REHEARSE_SOURCE=$R/source.git \
       REHEARSE_HTTP_PORT=$HTTP_PORT REHEARSE_HTTPS_PORT=$HTTPS_PORT
export PATH="$R/shims:$R/usr/local/bin:$PG_BIN:$PATH" PGHOST=$R/var/run/postgresql PGUSER=postgres
unset PGPORT PGDATABASE PGPASSWORD DATABASE_URL
# What the operator types into /etc/lueckenlos/env (sudoedit): null removes the line.
export REHEARSE_ENV_VALUES
REHEARSE_ENV_VALUES=$("$PY" - "$BASE" "$SMTP_PORT" <<'PY'
import base64, json, os, secrets, sys
# LINK_KEYS: a Fernet key (32 random bytes, URL-safe base64), as `flask links new-key` prints one.
print(json.dumps({"SECRET_KEY": secrets.token_hex(32) + "$`\"\\", "BASE_URL": sys.argv[1],
                  "LINK_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                  "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sys.argv[2], "MAIL_USE_TLS": "false",
                  "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "BOUNCE_IMAP_HOST": None,
                  "BOUNCE_IMAP_USER": None, "BOUNCE_IMAP_PASSWORD": None}))
PY
)

step() {  # step NAME: the guide's block, moved into the scratch folder, run by bash -e
  echo "== $1 (docs/deploy.md, step=$1)  [$(( $(date +%s) - started )) s]"
  local text
  text=$("$PY" "$REPO/scripts/guide_steps.py" "$1" --root "$R" --app-port "$APP_PORT") || fail "no step $1"
  # The operator's shell stays in /srv/lueckenlos/app after section 1 (deploy/… is the clone's).
  local dir=$R/srv/lueckenlos/app
  [ -d "$dir" ] || dir=$R
  (cd "$dir" && bash -euo pipefail -c "$text") || fail "step $1 of docs/deploy.md"
}
check() { echo "   ok: $*"; }
get() { curl -sk --max-time 60 -o "$R/body" -w '%{http_code}' "$@"; }
expect() {  # expect CODE URL [curl args] — and the body in $R/body
  local code=$1; shift
  local got; got=$(get "$@") || true
  [ "$got" = "$code" ] || fail "$* answered $got, expected $code: $(head -c 400 "$R/body" 2>/dev/null)"
}
flask_py() {  # run Python inside the installed app, as `lueckenlos-flask shell` would
  lueckenlos-flask shell <"$1" >"$R/shell.out" 2>&1 || { cat "$R/shell.out" >&2; fail "flask shell"; }
  ! grep -q Traceback "$R/shell.out" || { cat "$R/shell.out" >&2; fail "flask shell"; }
}

# --- install --------------------------------------------------------------------------------------
step packages
step database
step environment
grep -q '^MAIL_DEFAULT_SENDER=Lückenlos Stadt Musterhausen <lueckenlos@example.de>$' \
  <<<"$("$PY" "$REPO/survey/envfile.py" "$R/etc/lueckenlos/env" | tr '\0' '\n')" \
  || fail "the env file does not read back as the example's sender"
check "the env file (with \$, \` and quotes in SECRET_KEY) reads back"
step wrapper
printf 'ein-langes-Passwort-2026\n' >"$R/admin-password"
# The guide's create-admin asks for the password twice; the rehearsal answers on standard input.
printf 'ein-langes-Passwort-2026\nein-langes-Passwort-2026\n' | step schema
grep -q "^planung@musterhausen.de	admin	Stadt Musterhausen	aktiv$" <<<"$(lueckenlos-flask users list)" \
  || fail "users list does not show the first admin"
check "first admin in 'users list'"

# A drop-in gives gunicorn the rehearsal's port, as section 9's does for a second server.
mkdir -p "$R/etc/systemd/system/lueckenlos.service.d"
printf '[Service]\nEnvironment=GUNICORN_BIND=127.0.0.1:%s\n' "$APP_PORT" >"$R/etc/systemd/system/lueckenlos.service.d/rehearsal.conf"
step services
step nginx
step retention

expect 200 "$BASE/login"
grep -q 'name="csrf_token"' "$R/body" || fail "/login has no form"
check "login page over HTTPS through nginx"
curl -skI "$BASE/login" | grep -qi '^server: nginx\s*$' || fail "nginx shows its version (server_tokens)"
expect 200 "$BASE/static/style.css"
curl -skI "$BASE/static/style.css" | grep -qi '^cache-control: max-age=604800' || fail "static file not served by nginx"
check "static file from disk (nginx, 7 days)"
expect 200 "$BASE/healthz"
expect 301 "http://localhost:$HTTP_PORT/login"
check "/healthz through nginx from loopback; HTTP redirects to HTTPS"
# A client cannot put another address into the app's log (and the login limit): nginx replaces it.
curl -sk -o /dev/null -H "X-Forwarded-For: 203.0.113.66" "$BASE/login?xff-probe"
sleep 1
grep '"path": "/login"' "$R/log/lueckenlos.service.log" | tail -n 1 | grep -q '"remote": "127.0.0.1"' \
  || fail "a client's own X-Forwarded-For reached the app: $(tail -n 1 "$R/log/lueckenlos.service.log")"
check "a forged X-Forwarded-For is replaced by nginx"

# The first admin logs in (CSRF over HTTPS on a port other than 443: Host with the port).
jar=$R/cookies
expect 200 "$BASE/login" -c "$jar"
token=$(sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' "$R/body" | head -n 1)
login=$(curl -sk -b "$jar" -c "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' -e "$BASE/login" \
        --data-urlencode "csrf_token=$token" --data-urlencode "email=planung@musterhausen.de" \
        --data-urlencode "password=ein-langes-Passwort-2026" "$BASE/login")
[ "$login" = "302 $BASE/admin/" ] || fail "admin login answered '$login'"
expect 200 "$BASE/admin/" -b "$jar"
check "the admin logs in over HTTPS and reaches /admin/"

# A survey with one invitation; the mail worker delivers it to the SMTP server; the link opens.
cat >"$R/survey.py" <<'PY'
from flask import current_app
from survey.extensions import db
from survey.models import User
from survey.services import invitations, surveys
admin = db.session.query(User).one()
probe = surveys.create_survey(admin.kommune, admin, "Probe 2026", contact_name="Petra Plan", contact_email=admin.email,
                              privacy_notice="Verantwortlich: Jugendamt. Gespeichert bis sechs Monate nach Ende.")
surveys.add_question(probe, current_app.extensions["catalogue"].get("netzwerk.wirkungskreis"))
surveys.open_survey(probe)
invitations.invite(probe, "kita@traeger.example", organisation="Kita Sonnenschein")
db.session.commit()
PY
flask_py "$R/survey.py"
link=""
for _ in $(seq 120); do
  link=$("$PY" - "$R/maildir" <<'PY'
import mailbox, re, sys
for message in mailbox.Maildir(sys.argv[1], create=False):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            found = re.search(r"https://\S+/r/[A-Za-z0-9_-]{20,}", part.get_payload(decode=True).decode())
            if found:
                print(found.group(0))
                sys.exit()
PY
) && [ -n "$link" ] && break
  sleep 0.5
done
[ -n "$link" ] || fail "no invitation arrived at the SMTP server within 60 s"
check "the mail worker delivered the invitation"
expect 200 "$link"
grep -q "Probe 2026" "$R/body" || fail "the respondent link does not show the survey"
! grep -rq "${link#"$BASE"/r/}" "$R/var/log/nginx/" || fail "a full respondent token is in nginx's logs"
check "the respondent link opens over HTTPS; nginx logged it cut short"

# --- backup -------------------------------------------------------------------------------------
step backup
dump=$(ls "$R/var/backups/lueckenlos/"lueckenlos-*.dump | head -n 1)
[ "$(stat -c %a "$dump")" = 600 ] || fail "the backup $dump is not 0600"
check "backup $(basename "$dump") (0600)"

# --- update -------------------------------------------------------------------------------------
# The newer release: a migration and a new route, committed on top of what is installed.
git clone --quiet "$R/source.git" "$R/release"
head_revision=$(cd "$R/release" && "$PY" -c 'from alembic.script import ScriptDirectory; print(ScriptDirectory("migrations").get_current_head())')
cat >"$R/release/migrations/versions/rehearsal_probe.py" <<PY
"""The rehearsal's newer release: one new table."""
import sqlalchemy as sa
from alembic import op

revision = "rehearsal01"
down_revision = "$head_revision"


def upgrade():
    op.create_table("rehearsal_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("rehearsal_probe")
PY
cat >>"$R/release/wsgi.py" <<'PY'


@app.get("/rehearsal-release")
def rehearsal_release():
    return {"release": "neu"}
PY
git -C "$R/release" add -A
git -C "$R/release" -c user.name=Rehearsal -c user.email=rehearsal@example.invalid commit --quiet -m "Newer release"
git -C "$R/release" push --quiet origin main
expect 404 "$BASE/rehearsal-release"
step update
# New workers start after the reload while the old ones finish; within a minute only new code answers.
for _ in $(seq 120); do [ "$(get "$BASE/rehearsal-release")" = 200 ] && break; sleep 0.5; done
expect 200 "$BASE/rehearsal-release"
grep -q '"neu"' "$R/body" || fail "the new route answers something else"
[ "$(psql -d lueckenlos -Atc 'SELECT version_num FROM alembic_version')" = rehearsal01 ] || fail "the migration did not run"
[ "$(ls "$R/var/backups/lueckenlos/"lueckenlos-*.dump | wc -l)" -ge 2 ] || fail "no backup before the update"
expect 200 "$link"
check "after 'systemctl reload' the new code answers, the schema is migrated, the link still opens"

# --- restore ------------------------------------------------------------------------------------
printf 'noch-ein-langes-Passwort\n' >"$R/later-password"
lueckenlos-flask users create --kommune "Stadt Musterhausen" --email danach@musterhausen.de --role planner \
  --password-file "$R/later-password" >/dev/null
step restore
users=$(lueckenlos-flask users list)
grep -q "^planung@musterhausen.de	" <<<"$users" || fail "the restored database lacks the admin"
! grep -q "^danach@musterhausen.de" <<<"$users" || fail "the restore kept an account created after the backup"
[ "$(psql -d lueckenlos -Atc 'SELECT version_num FROM alembic_version')" = rehearsal01 ] || fail "db upgrade after the restore"
psql -d lueckenlos_vorher -Atc 'SELECT 1' >/dev/null || fail "the old database was not kept as lueckenlos_vorher"
expect 200 "$link"
check "restored into a new database and swapped in; the old one kept; the link opens"

echo "Deploy rehearsal passed in $(( $(date +%s) - started )) s."

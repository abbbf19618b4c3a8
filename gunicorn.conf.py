"""gunicorn settings for Lückenlos: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (the systemd unit reads /etc/lueckenlos/env),
so one file serves a small VM and a big one. The app is stateless: sessions live in a signed
cookie, files in the database, mail in the outbox table; more workers or more servers need no
coordination beyond the shared PostgreSQL.
"""

import importlib.util
import multiprocessing
import os
import sys
from pathlib import Path


def _load_env_file() -> None:
    """Read $LUECKENLOS_ENV_FILE with the app's own parser (survey/envfile.py), loaded by path.

    Importing `survey` here would load the app's package into the master, and every worker forked
    after a reload (HUP) would keep that old code; so only this one standard-library file is read.
    """
    spec = importlib.util.find_spec("survey")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return
    path = Path(next(iter(spec.submodule_search_locations))) / "envfile.py"
    loader_spec = importlib.util.spec_from_file_location("_lueckenlos_envfile", path)
    assert loader_spec is not None and loader_spec.loader is not None, path
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    module.load()


_load_env_file()


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


# nginx talks to gunicorn on the loopback interface; never expose gunicorn itself.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: a request is short (a page, a save) and waits mostly on the database.
# 2 × cores + 1 is gunicorn's rule of thumb; each worker holds at most one DB connection per thread.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)

# Results pages with many charts and large exports take a few seconds; 60 s leaves margin and
# still kills a worker that hangs. Exports stream, so a long download keeps the worker busy but
# is not cut off as long as bytes flow (timeout applies to silent workers).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak (matplotlib caches, fragmentation) never grows.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200

# The app writes one structured access line per request (request id, user id, duration, and the
# respondent token cut short). gunicorn's own access log would print the full /r/<token> path,
# which is a credential, so it stays off unless an admin turns it on for debugging.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Trust X-Forwarded-* only from the local nginx.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

# The app is loaded in each worker, never in the master: a reload (`systemctl reload lueckenlos`,
# HUP) then starts workers that import the code now on disk. With preload they would be forked from
# the master's old copy and keep serving the old code against the migrated schema.
preload_app = False

# gunicorn ≥ 24 opens a control socket in $HOME or $XDG_RUNTIME_DIR; under ProtectSystem=strict that
# fails on every start ("Control server error: Read-only file system"), and nothing here uses it.
control_socket_disable = True


def post_fork(server, worker):  # gunicorn calls it with both arguments
    """Drop any database connection inherited from the master: each worker opens its own."""
    wsgi = sys.modules.get("wsgi")  # only if preload_app were on and had loaded our app in the master
    if wsgi is None or not hasattr(wsgi, "app"):
        return
    from survey.extensions import db

    with wsgi.app.app_context():
        db.engine.dispose(close=False)

"""/healthz: the app answers, the database accepts a write and the instance folder is writable;
it also reports the workers' heartbeats (seconds since the last beat per worker kind).

A load balancer or monitoring takes a 503 as "take this server out": a read-only or full database,
or an instance folder it cannot write (mailbox, SQLite journal, secret key), must not look healthy.

A stopped worker does not make /healthz fail: the app server is fine, and pulling it would not start
the worker. `/healthz?workers=1` (for the monitoring of the workers) answers 503 when a worker
kind has not beaten for `jobs.STALE_AFTER`.
"""

from __future__ import annotations

import os
import tempfile

import sqlalchemy as sa
from flask import Blueprint, current_app, request

from ..extensions import db
from ..services import jobs

bp = Blueprint("health", __name__)


def _database() -> str:
    """"ok", or why a write transaction failed (it changes nothing and is rolled back)."""
    try:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        readonly = "read-only" in str(error) or "readonly" in str(error)
        return "read-only" if readonly else "unreachable"
    return "ok"


def _instance() -> str:
    try:
        with tempfile.NamedTemporaryFile(dir=current_app.instance_path, prefix=".healthz-") as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError:
        return "not writable"
    return "ok"


def _workers() -> dict[str, dict[str, object]]:
    """Per worker kind: seconds since the last beat (None: never), alive workers, what it does."""
    try:
        status = jobs.worker_status()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {}
    at = jobs.now()
    return {kind: {"beat_age_seconds": s.age(at), "running": s.running, "workers": s.workers, "doing": s.doing}
            for kind, s in status.items()}


@bp.route("/healthz")
def healthz():
    checks = {"database": _database(), "instance": _instance()}
    healthy = all(value == "ok" for value in checks.values())
    workers = _workers() if checks["database"] != "unreachable" else {}
    if request.args.get("workers") == "1":
        healthy = healthy and bool(workers) and all(w["running"] for w in workers.values())
    return {"status": "ok" if healthy else "error", **checks, "workers": workers}, 200 if healthy else 503

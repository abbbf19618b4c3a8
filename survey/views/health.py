"""/healthz: the app answers, the database accepts a write and the instance folder is writable.

A load balancer or monitoring takes a 503 as "take this server out": a read-only or full database,
or an instance folder it cannot write (mailbox, SQLite journal, secret key), must not look healthy.
"""

from __future__ import annotations

import os
import tempfile

import sqlalchemy as sa
from flask import Blueprint, current_app

from ..extensions import db

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


@bp.route("/healthz")
def healthz():
    checks = {"database": _database(), "instance": _instance()}
    healthy = all(value == "ok" for value in checks.values())
    return {"status": "ok" if healthy else "error", **checks}, 200 if healthy else 503

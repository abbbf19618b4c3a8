"""Lückenlos: the Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from questionnaires import formatting as fmt

from . import config, envfile, headers, link_keys, logging_setup, question_types, startup_checks
from .extensions import csrf, db, login, mail, migrate
from .request import CleanRequest


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, CLI commands."""
    envfile.load()  # /etc/lueckenlos/env when LUECKENLOS_ENV_FILE names it (the process environment wins)
    instance_dir = Path(os.environ.get("LUECKENLOS_INSTANCE") or config.DEFAULT_INSTANCE_DIR)
    app = Flask(
        __name__,
        instance_path=str(instance_dir),
        template_folder=str(config.TEMPLATES_DIR),
        static_folder=str(config.STATIC_DIR),
    )
    app.request_class = CleanRequest  # no NUL byte reaches a view (PostgreSQL refuses them)
    app.config.update(config.DEFAULTS)
    app.config.update(config.from_environment(instance_dir))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY") and (app.testing or app.config["DEMO_MODE"]):
        app.config["SECRET_KEY"] = config.secret_key(instance_dir)  # production must set its own
    if not link_keys.key_list(app.config.get("LINK_KEYS")) and (app.testing or app.config["DEMO_MODE"]):
        app.config["LINK_KEYS"] = link_keys.instance_key(instance_dir)  # production must set LINK_KEYS
    app.config.setdefault("CATALOGUE_DIR", str(config.QUESTIONNAIRES_DIR))
    instance_dir.mkdir(parents=True, exist_ok=True)
    logging_setup.init_app(app)
    if app.config["TRUSTED_PROXIES"] > 0:
        # The real client address (login throttling, logs) comes from the proxy's X-Forwarded-For.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask's way to wrap it

    app.extensions["catalogue"] = startup_checks.load(app.config["CATALOGUE_DIR"])
    startup_checks.run(app)
    link_keys.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    login.init_app(app)
    _tune_sqlite(app)

    from . import models  # noqa: F401 -- registers the tables on the metadata
    from .views import register_blueprints

    register_blueprints(app)
    from .services import audit

    audit.install_guard(app)
    headers.init_app(app)
    _register_filters(app)
    question_types.register(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _tune_sqlite(app: Flask) -> None:
    """WAL and a busy timeout, so concurrent respondents on the embedded database wait, not fail;
    secure delete, so deleted data leaves the file."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        @sa.event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Deleted and overwritten content is zeroed in the file, not left in free space: what
            # retention deletes must not stay readable in a copy of the database.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @sa.event.listens_for(db.engine, "handle_error")
        def _discard_read_only(context: Any) -> None:
            # A connection that went read-only (file replaced, disk remounted) stays so until it is
            # closed: treat it as broken, so the pool drops it and the next request opens a new one.
            if "readonly" in str(context.original_exception) or "disk I/O error" in str(context.original_exception):
                context.is_disconnect = True


def _register_filters(app: Flask) -> None:
    """German formatting for templates: every filter is a function of `questionnaires.formatting`."""
    for name in ("number", "counted", "sentence", "percent", "date", "datetime", "time", "long_date", "long_datetime"):
        app.add_template_filter(getattr(fmt, name), f"de_{name}")

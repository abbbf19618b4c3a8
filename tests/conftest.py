"""Shared fixtures: one app per session on a real database, a real SMTP server, logged-in clients.

The database is SQLite in a temporary folder, or PostgreSQL when DATABASE_URL is set (CI runs
the suite on both). The schema comes from the migrations; every test leaves empty tables behind.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from factories import login, make_user
from survey import create_app
from survey.extensions import db


class Inbox:
    """aiosmtpd handler that keeps every received message; `refuse` makes it reject recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.refuse.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["LUECKENLOS_INSTANCE"] = str(instance)
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite'}"
    controller, _inbox = smtp_server
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "SQLALCHEMY_DATABASE_URI": database,
            "BASE_URL": "http://127.0.0.1:5000",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": controller.port,
            "DEMO_MODE": False,
            "MAIL_SUPPRESS_SEND": False,  # a real SMTP server listens
            "WTF_CSRF_ENABLED": False,
            # A real but cheap hash: scrypt's ~0.2 s per user and per login was most of many tests' time.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # A staff request that changes data without an audit entry fails (survey/services/audit.py).
            "AUDIT_STRICT": True,
        }
    )
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        downgrade(revision="base")  # a PostgreSQL test database may hold a previous run's schema
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections before psycopg warns about them at exit


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def inbox(smtp_server) -> Iterator[Inbox]:
    _controller, inbox = smtp_server
    inbox.clear()
    yield inbox
    inbox.clear()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def admin(app):
    return make_user(app, "admin")


@pytest.fixture
def admin_client(app, admin):
    return login(app.test_client(), admin[1])


@pytest.fixture
def planner(app):
    return make_user(app, "planner")


@pytest.fixture
def planner_client(app, planner):
    return login(app.test_client(), planner[1])


@pytest.fixture
def analyst_client(app, planner):
    _id, email = make_user(app, "analyst")
    return login(app.test_client(), email)


# Modules that reach the database without the `app` fixture (subprocesses, their own engines).
_DATABASE_WORDS = ("DATABASE_URL", "PGTEST", "with-postgres", "create_app")


def pytest_collection_modifyitems(config, items):
    """A test that never touches a database runs in the SQLite pass only: in the PostgreSQL pass
    (DATABASE_URL set) it would only repeat itself. A test touches the database when it uses the
    `app` fixture (directly or through another fixture) or its module names the database."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        return
    sources: dict[str, bool] = {}
    for item in items:
        module = str(item.fspath)
        if module not in sources:
            text = Path(module).read_text(encoding="utf-8")
            sources[module] = any(word in text for word in _DATABASE_WORDS)
        if "app" in item.fixturenames or sources[module]:
            continue
        item.add_marker(pytest.mark.skip(reason="no database: runs in the SQLite pass of CI"))

"""Browser tests: the session app served on a free local port, driven by Debian's chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Tracking:
    """WSGI wrapper that counts requests in flight (a test must not empty tables under one)."""

    def __init__(self, app) -> None:
        self.app = app
        self.active = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.active += 1
        body = None
        try:
            body = self.app(environ, start_response)
            return list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
            with self.lock:
                self.active -= 1

    def wait_idle(self, settle: float = 0.3, timeout: float = 10) -> None:
        """Wait until late requests (e.g. an autosave beacon sent on closing a tab) are done."""
        time.sleep(settle)
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture(scope="session")
def _served(app):
    port = free_port()
    tracking = Tracking(app)
    server = make_server("127.0.0.1", port, tracking, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", tracking
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from survey.extensions import db

        db.engine.dispose()  # connections opened by the server's threads


@pytest.fixture
def live_server(_served):
    """The base URL of the session app, served by werkzeug in a thread."""
    url, tracking = _served
    yield url
    tracking.wait_idle()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def watched_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            _watch_csp(context)
            return context

        browser.new_context = watched_context
        yield browser
        browser.close()


@pytest.fixture
def context(browser, _served):
    """A fresh browser profile (no cookies) with German as its language."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()
    _served[1].wait_idle()


CSP_REFUSALS: list[str] = []


def _watch_csp(context) -> None:
    """Collect every CSP refusal chromium reports on any page of `context`."""
    def watch(page) -> None:
        page.on("console", lambda message: CSP_REFUSALS.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)

    context.on("page", watch)


@pytest.fixture(autouse=True)
def csp_refusals():
    """Every browser walk also checks that the Content-Security-Policy refused nothing on any page."""
    CSP_REFUSALS.clear()
    yield CSP_REFUSALS
    refused, CSP_REFUSALS[:] = list(CSP_REFUSALS), []
    assert not refused, f"Content-Security-Policy refused parts of a page: {refused}"


@pytest.fixture
def page(context):
    return context.new_page()


# Browser walks do not depend on the database, so each runs in one CI pass only (the two passes
# run side by side; this split keeps them about equally long). Walks marked `both_databases`
# run in both: the first day of a Kommune, from an empty install.
POSTGRES_PASS = {"test_results_layout.py", "test_input_kept.py", "test_report_download.py", "test_accounts_pages.py",
                 "test_analyst_downloads_walk.py", "test_retention_pages.py", "test_mail_rendering.py",
                 "test_option_adaptation.py", "test_actor_import_walk.py", "test_builder_ergonomics.py",
                 "test_partner_matching_walk.py"}


def pytest_collection_modifyitems(config, items):
    """Keep each browser walk in its pass (see POSTGRES_PASS); what differs between the databases
    (locks, claims, migrations, types) is tested below the browser on both."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgresql")
    for item in items:
        path = Path(str(item.fspath))
        if path.parent.name != "e2e" or item.get_closest_marker("both_databases") is not None:
            continue
        if (path.name in POSTGRES_PASS) != on_postgres:
            other = "SQLite" if on_postgres else "PostgreSQL"
            item.add_marker(pytest.mark.skip(reason=f"browser walk: runs in the {other} pass of CI"))

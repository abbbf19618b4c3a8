"""Production setup: health check, structured logs without secrets, gunicorn config, deploy configs."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import PASSWORD, invite, make_survey
from survey import create_app
from survey.extensions import db
from survey.link_keys import new_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def log_lines(app):
    """The JSON lines the app logs while the test runs."""
    handler = app.extensions["log_handler"]
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
        return lines

    yield read
    handler.setStream(old)


def test_healthz_answers_ok_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("status", "database", "instance")} == {"status": "ok", "database": "ok",
                                                                        "instance": "ok"}
    assert set(body["workers"]) == {"mail", "jobs"}  # reported, but a stopped worker does not fail it


def test_healthz_answers_503_when_the_database_is_read_only(tmp_path, monkeypatch, app):
    """A database that answers SELECT but refuses writes is not healthy (e.g. a read-only file)."""
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    source = tmp_path / "ro.sqlite"
    import sqlite3

    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    read_only = create_app({"TESTING": True, "SECRET_KEY": "x", "ACCESS_LOG": False,
                            "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{source}?mode=ro&uri=true"})
    response = read_only.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "read-only"
    with read_only.app_context():
        db.engine.dispose()


def test_healthz_answers_503_when_the_instance_folder_cannot_be_written(client, app):
    before = app.instance_path
    blocker = os.path.join(before, "a-file")
    open(blocker, "w").close()
    app.instance_path = os.path.join(blocker, "instance")  # a folder below a file cannot exist
    try:
        response = client.get("/healthz")
    finally:
        app.instance_path = before
        os.remove(blocker)
    assert response.status_code == 503 and response.get_json()["instance"] == "not writable"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    # Port 1 on the loopback refuses connections at once: the database is "down".
    broken = create_app({"TESTING": True, "SECRET_KEY": "x", "ACCESS_LOG": False,
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    with broken.app_context():
        db.engine.dispose()


def test_every_response_carries_a_request_id_that_the_log_lines_share(client, log_lines):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    [line] = [entry for entry in log_lines() if entry["logger"] == "survey.access"]
    assert line["request_id"] == request_id
    assert line["path"] == "/healthz" and line["status"] == 200 and line["duration_ms"] >= 0


def test_request_id_from_the_proxy_is_kept_and_a_forged_one_replaced(client, log_lines):
    assert client.get("/healthz",
                      headers={"X-Request-ID": "nginx-4f2a9c1b"}).headers["X-Request-ID"] == "nginx-4f2a9c1b"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\"} injected"}).headers["X-Request-ID"]
    assert "injected" not in forged
    assert "injected" not in json.dumps(log_lines())


def test_logs_name_the_user_but_never_passwords_answers_or_tokens(app, planner, client, log_lines):
    _user_id, email = planner
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.get("/healthz")  # logged in now
    with app.app_context():
        token = invite(make_survey(planner[0]))
    respondent = app.test_client()
    assert respondent.post(f"/r/{token}/start").status_code == 302
    form = respondent.get(f"/r/{token}/seite/1").get_data(as_text=True)
    revision = re.search(r'name="_revision" value="(\d+)"', form).group(1)
    saved = respondent.post(f"/r/{token}/seite/1", data={
        "_revision": revision, "_action": "save", "netzwerk.wirkungskreis": "stadtteil",
        "netzwerk.fokus": "Vertrauliche Fallbesprechung Familie Özdemir",
    })
    assert saved.status_code == 302

    lines = log_lines()
    text = "\n".join(json.dumps(entry, ensure_ascii=False) for entry in lines)
    assert PASSWORD not in text
    assert "Fallbesprechung" not in text and "Özdemir" not in text
    assert token not in text
    assert f"/r/{token[:6]}…/seite/1" in text  # the path is there, the credential is not
    assert any(entry.get("user_id") == planner[0] and entry["path"] == "/healthz" for entry in lines)


def test_database_errors_are_logged_without_their_parameters(app, ctx, log_lines):
    secret = "Antwort-die-niemand-lesen-soll"
    try:
        db.session.execute(sa.text("SELECT :value FROM no_such_table"), {"value": secret})
    except sa.exc.DBAPIError:
        app.logger.exception("query failed")
        db.session.rollback()
    [line] = [entry for entry in log_lines() if entry["message"] == "query failed"]
    assert "no_such_table" in line["exception"]
    assert secret not in json.dumps(line)


def test_sensitive_extra_fields_are_replaced(app, log_lines):
    app.logger.warning("account check", extra={"password": PASSWORD, "answers": {"a": "geheim"}, "kommune": 7})
    [line] = [entry for entry in log_lines() if entry["message"] == "account check"]
    assert line["password"] == "[entfernt]" and line["answers"] == "[entfernt]" and line["kommune"] == 7


def _gunicorn_config(monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_config_has_sane_values(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "GUNICORN_TIMEOUT", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    conf = _gunicorn_config(monkeypatch)
    assert conf.bind.startswith("127.0.0.1:"), "gunicorn must only listen behind the proxy"
    assert conf.workers >= 2 and conf.threads >= 1
    assert 10 <= conf.timeout <= 300 and conf.graceful_timeout <= conf.timeout
    assert conf.max_requests > 0
    assert conf.accesslog is None, "gunicorn's access log prints respondent tokens; the app logs requests"
    assert conf.forwarded_allow_ips == "127.0.0.1"
    tuned = _gunicorn_config(monkeypatch, GUNICORN_WORKERS="9", GUNICORN_TIMEOUT="120")
    assert tuned.workers == 9 and tuned.timeout == 120


def test_gunicorn_serves_the_app_with_the_repository_config(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LUECKENLOS_INSTANCE": str(tmp_path), "SECRET_KEY": "gunicorn-test",
           "LINK_KEYS": new_key(),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite'}", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_WORKERS": "1"}
    # /healthz needs a migrated database that accepts a write
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    request_id = response.headers["X-Request-ID"]
                    break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    access = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(entry.get("request_id") == request_id and entry.get("path") == "/healthz" for entry in access)


@pytest.mark.skipif(not (shutil.which("systemd-analyze") and shutil.which("nginx") and shutil.which("openssl")),
                    reason="systemd-analyze, nginx or openssl not installed (scripts/verify-deploy.sh installs them)")
def test_deploy_configs_verify():
    env = {**os.environ, "VERIFY_NO_INSTALL": "1", "VERIFY_SKIP_WHEEL": "1"}  # the wheel: test_packaging.py
    result = subprocess.run(["bash", "scripts/verify-deploy.sh"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Deployment configs verified." in result.stdout

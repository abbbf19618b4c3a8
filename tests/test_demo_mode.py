"""Demo mode is explicit: the demo mailbox and demo data exist only with it; demo links keep working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from factories import login, make_user
from survey import create_app
from survey.extensions import db
from survey.link_keys import new_key
from survey.services.demo import DEMO_PASSWORD, PLANNER, SURVEY_TITLE

DEMO_PLANNER = PLANNER[0]

LINK = re.compile(r"http://127\.0\.0\.1:5000(/r/[A-Za-z0-9_-]{20,})")


def _mailbox_rules(app) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("mailbox.")]


def test_without_demo_mode_every_mailbox_page_is_404(app, client, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")  # even when mails go to the folder
    monkeypatch.setitem(app.config, "MAILBOX_DIR", str(tmp_path))
    (tmp_path / "1.eml").write_bytes(b"To: a@b.example\r\nSubject: Einladung\r\n\r\nhttp://127.0.0.1:5000/r/x\r\n")
    rules = _mailbox_rules(app)
    assert len(rules) >= 2
    for rule in rules:
        assert client.get(rule.replace("<name>", "1")).status_code == 404, rule
    assert "Postfach" not in client.get("/login").get_data(as_text=True)


def test_demo_mode_shows_the_mailbox(app, client, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAILBOX_DIR", str(tmp_path))
    assert client.get("/mailbox/").status_code == 302  # log in first
    _id, email = make_user(app, "planner")
    page = login(client, email).get("/mailbox/")
    assert page.status_code == 200 and "Postfach (Demo)" in page.get_data(as_text=True)


def test_each_kommune_sees_only_its_own_mails_in_the_mailbox(demo_app):
    from survey.services.accounts import request_password_reset

    own = make_user(demo_app, "planner", kommune="Stadt Wuppertal")
    other = make_user(demo_app, "planner", kommune="Kreis Düren")
    with demo_app.app_context():
        request_password_reset(other[1])  # a mail for the other Kommune's planner
        db.session.commit()
    assert demo_app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
    files = sorted(Path(demo_app.config["MAILBOX_DIR"]).glob("*.eml"))
    assert len(files) == 1
    wuppertal = login(demo_app.test_client(), own[1])
    assert f"/mailbox/{files[0].stem}" not in wuppertal.get("/mailbox/").get_data(as_text=True)
    assert wuppertal.get(f"/mailbox/{files[0].stem}").status_code == 404
    assert wuppertal.get(f"/mailbox/{files[0].stem}/html").status_code == 404
    dueren = login(demo_app.test_client(), other[1])
    assert f"/mailbox/{files[0].stem}" in dueren.get("/mailbox/").get_data(as_text=True)
    preview = dueren.get(f"/mailbox/{files[0].stem}/html")
    assert preview.status_code == 200 and "sandbox" in preview.headers["Content-Security-Policy"]


def test_demo_mode_is_off_unless_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("LINK_KEYS", new_key())
    for name in ("LUECKENLOS_DEMO", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["DEMO_MODE"] is False  # no MAIL_SERVER either
    monkeypatch.setenv("LUECKENLOS_DEMO", "1")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["DEMO_MODE"] is True


def test_flask_demo_refuses_outside_demo_mode(app, runner):
    from survey.models import User

    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "LUECKENLOS_DEMO=1" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


@pytest.fixture
def demo_app(app, tmp_path, monkeypatch):
    """The session app as `make run` configures it: demo mode, no mail server, mails into a folder."""
    for name, value in {"DEMO_MODE": True, "MAIL_SERVER": "", "MAILBOX_DIR": str(tmp_path / "mailbox")}.items():
        monkeypatch.setitem(app.config, name, value)
    return app


def _printed_link(output: str) -> str:
    match = re.search(r"antworten: " + LINK.pattern, output)
    assert match, output
    return match.group(1)


def test_printed_link_and_every_mailbox_link_keep_working_across_restarts(demo_app):
    printed = []
    mailbox_links: set[str] = set()
    for _start in range(3):  # `make run` three times: a new app (process) each time on the same database
        started = create_app(dict(demo_app.config))
        runner = started.test_cli_runner()
        demo = runner.invoke(args=["demo"])
        assert demo.exit_code == 0, demo.output
        printed.append(_printed_link(demo.output))
        assert runner.invoke(args=["mail", "send"]).exit_code == 0  # the worker `make run` starts
        client = login(started.test_client(), DEMO_PLANNER, DEMO_PASSWORD)
        listing = client.get("/mailbox/").get_data(as_text=True)
        names = re.findall(r'href="/mailbox/(\d+)"', listing)
        assert len(names) >= 30
        for name in names:
            mailbox_links.update(LINK.findall(client.get(f"/mailbox/{name}").get_data(as_text=True)))
        with started.app_context():
            db.session.remove()
            db.engine.dispose()
    assert len(mailbox_links) >= 30
    assert printed[0] == printed[1] == printed[2]  # nobody opened it, so the same link is printed again
    client = demo_app.test_client()
    for link in sorted(mailbox_links | set(printed)):
        page = client.get(link, follow_redirects=True)
        assert page.status_code == 200, link
        assert SURVEY_TITLE in page.get_data(as_text=True), link


def test_once_the_printed_link_is_opened_the_next_start_prints_another_working_one(demo_app, runner, client):
    first = _printed_link(runner.invoke(args=["demo"]).output)
    assert client.post(f"{first}/start", follow_redirects=True).status_code == 200  # "Befragung beginnen"
    second = _printed_link(runner.invoke(args=["demo"]).output)
    assert second != first
    for link in (first, second):
        assert SURVEY_TITLE in client.get(link, follow_redirects=True).get_data(as_text=True)

"""A copy of the database opens no link: tokens are sealed with the link keyring, never stored in clear.

Tried as an attacker would: every mail that carries a personal link (invitation, resend, reminder,
the respondent's "send me my link", a survey passed on to a colleague, a colleague's invitation, its
resend, a password reset) is sent through the real SMTP server, the links are opened, and then the
whole database (SQLite: the file with its WAL; PostgreSQL: a plain pg_dump), the instance folder and
the log are searched for every token that went out. Also: the same link survives a resend, a
reminder, a link-key rotation (old key removed afterwards) and a new SECRET_KEY; links of mails
written before sealing are moved out of the outbox by `flask links migrate`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import PASSWORD, deliver, make_survey
from survey import create_app, link_keys
from survey.backup import pg_tool
from survey.extensions import db
from survey.models import AccountToken, Invitation, OutboxMessage, OutboxStatus, Survey, User
from survey.services import accounts, delegation, invitations, tokens
from survey.services import follow_up as follow_up_service

LINK = re.compile(r"http://127\.0\.0\.1:5000/(r|passwort)/([A-Za-z0-9_-]{20,})")


def _links_in(inbox, address: str | None = None) -> list[tuple[str, str]]:
    """(kind, token) of every personal link in the mails received (for one address), in order."""
    found = []
    for message in (inbox.to(address) if address else inbox.messages):
        text = message.get_body(("plain",)).get_content()
        links = LINK.findall(text)
        assert len(set(links)) == 1, text  # one link per mail, the same in the HTML part
        assert set(LINK.findall(message.get_body(("html",)).get_content())) == set(links)
        found.append(links[0])
    return found


def _database_bytes(app) -> bytes:
    """What a copy of the database holds: the SQLite file with its WAL, or a plain pg_dump."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.startswith("sqlite"):
        path = Path(sa.engine.make_url(url).database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())
    parsed = sa.engine.make_url(url).set(drivername="postgresql")
    dump = subprocess.run([pg_tool("pg_dump"), "--format=plain", "--data-only",
                           parsed.render_as_string(hide_password=False)], capture_output=True, check=True, timeout=120)
    assert b"COPY public.outbox_message" in dump.stdout  # the dump really holds the outbox
    return dump.stdout


def _instance_bytes(app) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(Path(app.instance_path).rglob("*")) if p.is_file())


def _found(tokens: set[str], *blobs: bytes) -> set[str]:
    return {t for t in tokens if any(t.encode() in blob for blob in blobs)}


@contextmanager
def _app_with(app, **settings) -> Iterator:
    """Another process of the same installation (same database and instance), configured differently."""
    other = create_app(dict(app.config, **settings))
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _survey(app, planner) -> int:
    with app.app_context():
        return make_survey(planner[0]).id


def test_a_copy_of_database_instance_folder_and_log_opens_no_link(app, planner, admin, inbox, capsys, monkeypatch):
    issued: set[str] = set()  # every token made in this test, also those never mailed (a link replaced in time)

    def recording_new_token() -> str:
        token = tokens.new_token()
        issued.add(token)
        return token

    monkeypatch.setattr(invitations, "new_token", recording_new_token)
    monkeypatch.setattr(follow_up_service, "new_token", recording_new_token)
    monkeypatch.setattr(accounts, "new_token", recording_new_token)
    monkeypatch.setattr(delegation, "new_token", recording_new_token)
    survey_id = _survey(app, planner)
    client = app.test_client()
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        for n in range(3):
            invitations.invite(survey, f"org{n}@traeger.example", organisation=f"Träger {n}")
        db.session.commit()
    deliver(app)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        first, second, third = invitations.invitations_of_survey(survey)
        follow_up_service.resend(first)  # same link
        follow_up_service.resend(second, new_link=True)  # a new link: the old one ends
        follow_up_service.remind([third])
        admin_user = db.session.get(User, admin[0])
        colleague = accounts.invite_user(admin_user, "kollegin@musterhausen.example", "planner", "Kollegin")
        accounts.resend_invitation(admin_user, colleague)
        accounts.request_password_reset(planner[1])
        db.session.commit()
    deliver(app)
    respondent = _links_in(inbox, "org0@traeger.example")[0][1]
    assert client.post(f"/r/{respondent}/link").status_code == 302  # "Link erneut zusenden"
    passing = _links_in(inbox, "org2@traeger.example")[-1][1]
    assert client.post(f"/r/{passing}/weitergeben",  # passed on to a colleague: a new link in a new mail
                       data={"name": "Kai Kollege", "email": "kai@traeger.example"}).status_code == 302
    deliver(app)

    sent = _links_in(inbox)
    assert {kind for kind, _token in sent} == {"r", "passwort"} and {token for _kind, token in sent} <= issued
    assert len(issued) == 8 and len(sent) == 10  # the colleague's first link was replaced before its mail went
    for kind, token in sent:  # the links work (where they still should), so they are real
        page = client.get(f"/{kind}/{token}")
        assert page.status_code in (200, 404, 410), (kind, page.status_code)
    assert client.get(f"/r/{respondent}").status_code == 200
    reset = _links_in(inbox, planner[1])[-1][1]
    assert client.get(f"/passwort/{reset}").status_code == 200

    log = capsys.readouterr().err.encode()
    assert b"/r/" in log and b"/passwort/" in log  # the requests were logged ...
    assert _found(issued, _database_bytes(app), _instance_bytes(app), log) == set()  # ... but no token anywhere
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) >= 9
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken).where(
            AccountToken.token_sealed.is_not(None))) == 0  # set-password seals are dropped once mailed


def test_resend_and_reminder_carry_the_same_link_and_it_opens(app, planner, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        db.session.commit()
    deliver(app)
    with app.app_context():
        invitation = invitations.invitations_of_survey(db.session.get(Survey, survey_id))[0]
        assert follow_up_service.resend(invitation) is None  # "same link"
        follow_up_service.remind([invitation])
        db.session.commit()
    deliver(app)
    links = _links_in(inbox, "kita@traeger.example")
    assert len(inbox.to("kita@traeger.example")) == 3 and len({token for _k, token in links}) == 1
    assert app.test_client().get(f"/r/{links[0][1]}").status_code == 200


def test_after_rotation_and_removal_of_the_old_key_old_links_still_open(app, planner, admin, inbox):
    survey_id = _survey(app, planner)
    old_key = link_keys.key_list(app.config["LINK_KEYS"])[0]
    with app.app_context():
        invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        accounts.invite_user(db.session.get(User, admin[0]), "neu@musterhausen.example", "analyst")
        db.session.commit()
    new_key = link_keys.new_key()
    # the old key dropped before rotating: links lost
    with _app_with(app, LINK_KEYS=new_key) as without_old, without_old.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitations.current_token(invitation) is None
    with _app_with(app, LINK_KEYS=f"{new_key}, {old_key}") as rotating:
        result = rotating.test_cli_runner().invoke(args=["links", "rotate"])
        assert result.exit_code == 0, result.output
        assert "1 Einladungslinks, 1 Passwort-Links" in result.output
    with _app_with(app, LINK_KEYS=new_key) as rotated:  # the old key is gone
        deliver(rotated)  # the queued mails are filled in with the new key
        with rotated.app_context():
            follow_up_service.resend(db.session.scalar(sa.select(Invitation)))
            db.session.commit()
        deliver(rotated)
        links = _links_in(inbox, "kita@traeger.example")
        assert len(links) == 2 and links[0] == links[1]
        client = rotated.test_client()
        assert client.get(f"/r/{links[0][1]}").status_code == 200
        colleague = _links_in(inbox, "neu@musterhausen.example")[0][1]
        assert client.get(f"/passwort/{colleague}").status_code == 200


def test_a_new_secret_key_keeps_every_link(app, planner, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        db.session.commit()
    deliver(app)
    with _app_with(app, SECRET_KEY="a-completely-new-secret-key") as renewed:
        with renewed.app_context():
            follow_up_service.resend(db.session.scalar(sa.select(Invitation)))
            db.session.commit()
        deliver(renewed)
        links = _links_in(inbox, "kita@traeger.example")
        assert len(links) == 2 and links[0] == links[1]
        assert renewed.test_client().get(f"/r/{links[0][1]}").status_code == 200


def test_a_mail_whose_link_no_key_opens_fails_with_the_reason_and_a_new_link_helps(app, planner, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        db.session.commit()
    with _app_with(app, LINK_KEYS=link_keys.new_key()) as wrong_key:
        deliver(wrong_key)
    assert inbox.to("kita@traeger.example") == []  # no mail with a placeholder instead of the link
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.status.value == "failed" and "LINK_KEYS" in invitation.failed_reason
        assert follow_up_service.resend(invitation, new_link=True)
        db.session.commit()
    deliver(app)
    assert app.test_client().get(f"/r/{_links_in(inbox, 'kita@traeger.example')[0][1]}").status_code == 200


def _as_older_code_wrote_it(app, survey_id: int, admin) -> tuple[str, str]:
    """An invitation and a pending reset mail as the code before sealing stored them: the token only
    in the outbox body (and as hash), nothing sealed. Returns (respondent token, reset token)."""
    with app.app_context():
        invitation, token = invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        user = db.session.get(User, admin[0])
        accounts.request_password_reset(user.email)
        db.session.flush()
        reset_row = db.session.scalar(sa.select(AccountToken))
        reset = link_keys.unseal(reset_row.token_sealed)
        link = {"invitation": invitations.respondent_link(token), "password_reset": accounts.set_password_link(reset)}
        for row in db.session.scalars(sa.select(OutboxMessage)):
            row.body_text = row.body_text.replace(link_keys.LINK_PLACEHOLDER, link[row.kind])
            row.body_html = row.body_html.replace(link_keys.LINK_PLACEHOLDER, link[row.kind])
            row.account_token_id = None
        invitation.token_sealed = None
        reset_row.token_sealed = None
        db.session.commit()
        sent = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "invitation"))
        sent.status, sent.sent_at = OutboxStatus.SENT, invitation.created_at  # delivered long ago
        db.session.commit()
    return token, reset


def test_flask_links_migrate_moves_older_links_out_of_the_outbox_and_they_keep_working(app, planner, admin, inbox):
    survey_id = _survey(app, planner)
    token, reset = _as_older_code_wrote_it(app, survey_id, admin)
    assert _found({token, reset}, _database_bytes(app)) == {token, reset}  # the search does find them

    result = app.test_cli_runner().invoke(args=["links", "migrate"])
    assert result.exit_code == 0, result.output
    assert "1 Einladungslinks und 1 Passwort-Links versiegelt, 2 E-Mails" in result.output
    assert _found({token, reset}, _database_bytes(app)) == set()

    deliver(app)  # the pending reset mail goes out with its link filled in
    assert _links_in(inbox, admin[1]) == [("passwort", reset)]
    with app.app_context():
        assert follow_up_service.resend(db.session.scalar(sa.select(Invitation))) is None  # the same link
        db.session.commit()
    deliver(app)
    assert _links_in(inbox, "kita@traeger.example") == [("r", token)]
    client = app.test_client()
    assert client.get(f"/r/{token}").status_code == 200
    assert client.post(f"/passwort/{reset}", data={"password": "Ein ganz neues Passwort 7",
                                                   "confirm": "Ein ganz neues Passwort 7"}).status_code == 302
    assert app.test_cli_runner().invoke(args=["links", "migrate"]).exit_code == 0  # twice is harmless


def test_the_demo_mailbox_keeps_whole_mails_but_sealed(app, planner, inbox, tmp_path, monkeypatch):
    from factories import login

    for name, value in {"DEMO_MODE": True, "MAIL_SERVER": "", "MAILBOX_DIR": str(tmp_path / "mailbox")}.items():
        monkeypatch.setitem(app.config, name, value)
    survey_id = _survey(app, planner)
    with app.app_context():
        _invitation, token = invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        db.session.commit()
    deliver(app)
    files = list((tmp_path / "mailbox").glob("*.eml"))
    assert len(files) == 1 and token.encode() not in files[0].read_bytes()
    page = login(app.test_client(), planner[1], PASSWORD).get(f"/mailbox/{files[0].stem}")
    assert f"/r/{token}" in page.get_data(as_text=True)  # the demo shows the mail as it was sent
    new_key, old_key = link_keys.new_key(), app.config["LINK_KEYS"]
    with _app_with(app, LINK_KEYS=new_key) as other_key:  # a copy without the key reads nothing
        listing = login(other_key.test_client(), planner[1], PASSWORD).get("/mailbox/").get_data(as_text=True)
        assert f"/mailbox/{files[0].stem}" not in listing
    with _app_with(app, LINK_KEYS=f"{new_key},{old_key}") as rotating:
        result = rotating.test_cli_runner().invoke(args=["links", "rotate"])
        assert result.exit_code == 0 and "1 Dateien im Demo-Postfach" in result.output, result.output
    with _app_with(app, LINK_KEYS=new_key) as rotated:  # after rotation the new key alone opens the mailbox
        shown = login(rotated.test_client(), planner[1], PASSWORD).get(f"/mailbox/{files[0].stem}")
        assert f"/r/{token}" in shown.get_data(as_text=True)


def test_production_without_link_keys_refuses_to_start(tmp_path, monkeypatch):
    from survey.config import ConfigError

    for name in ("LUECKENLOS_DEMO", "LINK_KEYS", "MAIL_USERNAME", "MAIL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-real-random-secret-of-the-operator")
    monkeypatch.setenv("MAIL_SERVER", "relay.example")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Stadt Musterhausen <lueckenlos@musterhausen.de>")
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    for value, says in (("", "LINK_KEYS fehlt"), ('"CHANGE-ME"', "Beispielwert"), ("kein-schluessel", "kein Fernet")):
        monkeypatch.setenv("LINK_KEYS", value)
        with pytest.raises(ConfigError, match="LINK_KEYS") as stopped:
            create_app(settings)
        assert says in str(stopped.value)
    assert not (tmp_path / link_keys.KEY_FILE).exists()  # nothing generated behind the operator's back
    first, second = link_keys.new_key(), link_keys.new_key()
    monkeypatch.setenv("LINK_KEYS", f'"{first},{second}"')  # as systemd or docker may pass the quoted line
    assert link_keys.key_list(create_app(settings).config["LINK_KEYS"]) == [first, second]


def test_demo_mode_generates_one_link_key_in_the_instance_folder(tmp_path, monkeypatch):
    for name in ("LINK_KEYS", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("LUECKENLOS_DEMO", "1")
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    first = create_app(settings).config["LINK_KEYS"]
    assert create_app(settings).config["LINK_KEYS"] == first == (tmp_path / link_keys.KEY_FILE).read_text().strip()
    assert (tmp_path / link_keys.KEY_FILE).stat().st_mode & 0o077 == 0
    assert first != (tmp_path / "secret_key").read_text().strip()


def test_a_withdrawn_link_is_not_kept_sealed_and_no_queued_mail_carries_it(app, planner, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        invitations.invite(db.session.get(Survey, survey_id), "kita@traeger.example")
        db.session.commit()
    deliver(app)
    token = _links_in(inbox, "kita@traeger.example")[0][1]
    client = app.test_client()
    assert client.post(f"/r/{token}/link").status_code == 302  # the respondent asks for the link again ...
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        follow_up_service.withdraw(invitation)  # ... and the planner withdraws it before the worker runs
        db.session.commit()
        assert invitation.token_sealed is None
    deliver(app)
    assert len(inbox.to("kita@traeger.example")) == 1
    with app.app_context():
        mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "link"))
        assert mail.status is OutboxStatus.CANCELLED and mail.last_error == "Einladung zurückgezogen."
    assert client.get(f"/r/{token}").status_code == 404


def test_an_operator_gets_a_key_from_flask_before_the_app_can_start(tmp_path):
    """`flask links new-key` works while LINK_KEYS is still missing; `flask db upgrade` says what is missing."""
    import os
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "LUECKENLOS_", "LINK_"))}
    env.update(LUECKENLOS_INSTANCE=str(tmp_path), SECRET_KEY="a-real-random-secret", FLASK_APP="wsgi.py",
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}", MAIL_SERVER="relay.example",
               MAIL_DEFAULT_SENDER="Stadt Musterhausen <lueckenlos@musterhausen.de>")
    flask = [sys.executable, "-m", "flask"]
    refused = subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "LINK_KEYS fehlt" in refused.stderr and "Traceback" not in refused.stderr
    made = subprocess.run([*flask, "links", "new-key"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert link_keys.problems(key) == [] and len(key) == 44
    env["LINK_KEYS"] = key
    assert subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, capture_output=True,
                          timeout=120).returncode == 0

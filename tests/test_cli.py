"""The flask commands: users, demo, mail send, catalogue check."""

import pytest

from survey.extensions import db
from survey.models import Invitation, InvitationStatus, OutboxMessage, OutboxStatus, Response, Role, User


def test_users_create_makes_kommune_and_account(app, runner):
    result = runner.invoke(args=["users", "create", "--kommune", "Stadt Wuppertal", "--email", "P@Wuppertal.example",
                                 "--password", "sehr-geheim-1", "--role", "planner"])
    assert result.exit_code == 0, result.output
    assert "Konto angelegt: p@wuppertal.example" in result.output
    with app.app_context():
        user = db.session.query(User).one()
        assert user.kommune.name == "Stadt Wuppertal" and user.role is Role.PLANNER
        assert user.check_password("sehr-geheim-1") and user.password_hash != "sehr-geheim-1"


def test_users_create_refuses_duplicate_and_short_password(app, runner):
    args = ["users", "create", "--kommune", "K", "--email", "a@k.example", "--role", "analyst", "--password"]
    assert runner.invoke(args=args + ["kurz"]).exit_code != 0
    assert runner.invoke(args=args + ["lang-genug-1"]).exit_code == 0
    again = runner.invoke(args=args + ["lang-genug-1"])
    assert again.exit_code != 0 and "bereits ein Konto" in again.output


@pytest.fixture
def demo_mode(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", True)


def test_demo_is_idempotent_and_prints_a_working_link(app, demo_mode, runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "planung@kreis-dueren.example" in first.output and "auswertung@kreis-dueren.example" in first.output
    with app.app_context():
        counts = (db.session.query(Invitation).count(), db.session.query(Response).count())
        statuses = {i.status for i in db.session.query(Invitation)}
        assert counts[0] >= 24
        assert {InvitationStatus.SUBMITTED, InvitationStatus.IN_PROGRESS} <= statuses
        assert db.session.query(Response).filter(Response.submitted_at.isnot(None)).count() >= 10
    second = runner.invoke(args=["demo"])
    assert "bereits vorhanden" in second.output
    with app.app_context():
        assert (db.session.query(Invitation).count(), db.session.query(Response).count()) == counts
    link = second.output.split("antworten: ")[1].split()[0]
    page = client.get(link.replace("http://127.0.0.1:5000", ""))
    assert page.status_code == 200 and "Befragung beginnen" in page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "Eine Befragung des Kreises Düren" in text and 'href="https://www.kreis-dueren.example/impressum"' in text


def test_mail_send_delivers_outbox_to_smtp(app, demo_mode, runner, inbox):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "zugestellt: 30" in result.output
    assert all("Kreis Düren – Präventionskette" in str(m["From"]) for m in inbox.messages)
    with app.app_context():
        assert db.session.query(OutboxMessage).filter_by(status=OutboxStatus.PENDING).count() == 0
    assert len({m["To"] for m in inbox.messages}) == 30


def test_catalogue_check_passes_on_shipped_catalogue(runner):
    result = runner.invoke(args=["catalogue", "check"])
    assert result.exit_code == 0 and "Katalog in Ordnung" in result.output


def test_catalogue_check_fails_with_precise_message(runner, tmp_path):
    (tmp_path / "m.toml").write_text(
        '[module]\nkey = "m"\ntitle = "M"\n[[sections]]\ntitle = "A"\n'
        '[[sections.questions]]\nkey = "m.frage"\nkind = "single_choice"\nprompt = "Wie?"\n'
    )
    result = runner.invoke(args=["catalogue", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "m.toml: m.frage: hat keine Antwortoptionen" in result.output


def test_catalogue_check_needs_no_configuration(tmp_path):
    """An operator can check the catalogue before SECRET_KEY and the rest are set (no app is built)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "LUECKENLOS_DEMO", "DATABASE_URL")}
    env.update(FLASK_APP="wsgi.py", LUECKENLOS_INSTANCE=str(tmp_path))
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run([str(flask), "catalogue", "check"], cwd=Path(__file__).parent.parent, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Katalog in Ordnung" in result.stdout

"""The flask commands: users, demo, mail send, catalogue check."""

import pytest

from factories import PASSWORD, login
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, Kommune, OutboxMessage, OutboxStatus, Response, Role, User


def test_users_create_asks_for_the_password_and_creates_a_new_kommune_only_when_told(app, runner):
    args = ["users", "create", "--kommune", "Stadt Wuppertal", "--email", "P@Wuppertal.example", "--role", "planner"]
    refused = runner.invoke(args=args, input="sehr-geheim-1\nsehr-geheim-1\n")
    assert refused.exit_code != 0 and "„Stadt Wuppertal“ gibt es nicht" in refused.output
    assert "--create-kommune" in refused.output
    result = runner.invoke(args=args + ["--create-kommune"], input="sehr-geheim-1\nsehr-geheim-1\n")
    assert result.exit_code == 0, result.output
    assert "Konto angelegt: p@wuppertal.example" in result.output
    assert "sehr-geheim-1" not in result.output  # the prompt does not echo it
    with app.app_context():
        user = db.session.query(User).one()
        assert user.kommune.name == "Stadt Wuppertal" and user.role is Role.PLANNER
        assert user.check_password("sehr-geheim-1") and user.password_hash != "sehr-geheim-1"


def test_a_typo_in_the_kommune_names_the_existing_ones_and_founds_no_second(app, runner, planner):
    result = runner.invoke(args=["users", "create", "--kommune", "Stadt Musterhasuen", "--email", "neu@m.example",
                                 "--role", "analyst", "--password-file", "-"], input="lang-genug-123\n")
    assert result.exit_code != 0 and "Vorhanden: Stadt Musterhausen" in result.output
    admin = runner.invoke(args=["users", "create-admin", "--kommune", "Stadt Musterhasuen", "--email",
                                "chef@m.example", "--password-file", "-"], input="lang-genug-123\n")
    assert admin.exit_code != 0 and "Vorhanden: Stadt Musterhausen" in admin.output
    with app.app_context():
        assert db.session.query(Kommune).count() == 1 and db.session.query(User).count() == 1


def test_the_password_is_never_taken_from_the_command_line(runner):
    result = runner.invoke(args=["users", "create", "--kommune", "K", "--create-kommune", "--email", "a@k.example",
                                 "--role", "analyst", "--password", "lang-genug-123"])
    assert result.exit_code != 0 and "No such option" in result.output


def test_users_create_refuses_duplicate_and_short_password(app, runner, tmp_path):
    secret = tmp_path / "passwort"
    args = ["users", "create", "--kommune", "K", "--create-kommune", "--email", "a@k.example", "--role", "analyst",
            "--password-file", str(secret)]
    secret.write_text("kurz\n")
    assert runner.invoke(args=args).exit_code != 0
    secret.write_text("lang-genug-1\n")
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "bereits ein Konto" in again.output


def test_users_list_shows_role_kommune_and_state(app, runner, planner, admin):
    runner.invoke(args=["users", "disable", planner[1]])
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t", 1) for line in result.output.splitlines() if "\t" in line)
    assert lines[planner[1]] == "planner\tStadt Musterhausen\tdeaktiviert"
    assert lines[admin[1]] == "admin\tStadt Musterhausen\taktiv"
    assert runner.invoke(args=["users", "list", "--kommune", "Nirgendwo"]).exit_code != 0


def test_passwd_sets_a_new_password_ends_the_sessions_and_tells_the_user(app, runner, planner, planner_client):
    assert planner_client.get("/uebersicht").status_code == 200
    weak = runner.invoke(args=["users", "passwd", planner[1], "--password-file", "-"], input="123456789\n")
    assert weak.exit_code != 0 and "mindestens 10 Zeichen" in weak.output
    result = runner.invoke(args=["users", "passwd", planner[1].upper()], input="ganz-neu-und-lang\nganz-neu-und-lang\n")
    assert result.exit_code == 0, result.output
    assert planner_client.get("/uebersicht").status_code == 302  # the old session has ended
    assert login(app.test_client(), planner[1], "ganz-neu-und-lang").get("/uebersicht").status_code == 200
    assert app.test_client().post("/login", data={"email": planner[1], "password": PASSWORD}).status_code != 302
    with app.app_context():
        mail = db.session.query(OutboxMessage).filter_by(recipient=planner[1]).one()
        assert "ganz-neu-und-lang" not in mail.body_text
    unknown = runner.invoke(args=["users", "passwd", "niemand@m.example"], input="x\nx\n")
    assert unknown.exit_code != 0 and "kein Konto" in unknown.output


def test_disable_logs_the_user_out_and_enable_lets_them_in_again(app, runner, planner, planner_client, admin):
    assert runner.invoke(args=["users", "disable", planner[1]]).exit_code == 0
    assert planner_client.get("/uebersicht").status_code == 302
    assert app.test_client().post("/login", data={"email": planner[1], "password": PASSWORD}).status_code != 302
    assert runner.invoke(args=["users", "enable", planner[1]]).exit_code == 0
    assert login(app.test_client(), planner[1]).get("/uebersicht").status_code == 200
    last = runner.invoke(args=["users", "disable", admin[1]])
    assert last.exit_code != 0 and "einzige aktive Administration" in last.output


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

"""Accounts: inviting colleagues, set-password and reset links, the password policy, sessions that
end, deactivation, the last administrator, the own account, and `flask users create-admin`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AccountToken, Role, User, utc_now
from survey.services import accounts
from survey.services.common_passwords import COMMON_PASSWORDS

from factories import PASSWORD, deliver, login, make_user

NEW_PASSWORD = "Drei Wege zum Ziel 7"


def _link_from_mail(inbox, address: str) -> str:
    mails = inbox.to(address)
    assert mails, f"no mail to {address}"
    text = mails[-1].get_body(("plain",)).get_content()
    match = re.search(r"http://127\.0\.0\.1:5000(/passwort/[A-Za-z0-9_-]{20,})", text)
    assert match, text
    return match.group(1)


def _invite(admin_client, email="kollegin@musterhausen.example", role="planner", name="Karla Kollegin",
            phone="0202 123"):
    return admin_client.post("/admin/benutzer", data={"email": email, "display_name": name, "phone": phone,
                                                      "role": role})


# --- inviting a colleague ------------------------------------------------------------------------


def test_invited_colleague_sets_password_through_mailed_link_once(app, admin_client, inbox):
    response = _invite(admin_client)
    assert response.status_code == 302
    listing = admin_client.get("/admin/benutzer").get_data(as_text=True)
    assert "Karla Kollegin" in listing and "Passwort noch nicht gesetzt" in listing
    deliver(app)
    mail = inbox.to("kollegin@musterhausen.example")[-1]
    assert "Ihr Zugang zu Lückenlos" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "72 Stunden" in body and "Planung" in body and "Admin Test" in body
    link = _link_from_mail(inbox, "kollegin@musterhausen.example")
    with app.app_context():  # only the hash is stored
        token = link.rsplit("/", 1)[1]
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)
                                     .where(AccountToken.token_hash == token))

    colleague = app.test_client()
    page = colleague.get(link)
    assert page.status_code == 200 and "Passwort festlegen" in page.get_data(as_text=True)
    assert "Mindestens 10 Zeichen" in page.get_data(as_text=True)  # the rule is said on the form
    weak = colleague.post(link, data={"password": "passwort123", "confirm": "passwort123"})
    assert weak.status_code == 200 and "zu leicht zu erraten" in weak.get_data(as_text=True)
    mismatch = colleague.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "stimmen nicht überein" in mismatch.get_data(as_text=True)
    done = colleague.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/uebersicht"  # logged in, at the start page
    assert colleague.get("/uebersicht").status_code == 200

    again = app.test_client().get(link)
    assert again.status_code == 410 and "schon benutzt" in again.get_data(as_text=True)
    assert app.test_client().post(link, data={"password": "Ein anderes Passwort 9",
                                              "confirm": "Ein anderes Passwort 9"}).status_code == 410
    login(app.test_client(), "kollegin@musterhausen.example", NEW_PASSWORD)
    deliver(app)
    assert len(inbox.to("kollegin@musterhausen.example")) == 1  # no "changed" notice for the first password
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "kollegin@musterhausen.example"))
        assert user.phone == "0202 123" and user.role is Role.PLANNER


def test_invitation_link_expires_after_72_hours(app, admin, inbox):
    with app.app_context():
        inviter = db.session.get(User, admin[0])
        accounts.invite_user(inviter, "spaet@musterhausen.example", "analyst", "Spät",
                             now=utc_now() - dt.timedelta(hours=72, minutes=1))
        accounts.invite_user(inviter, "recht@musterhausen.example", "analyst", "Rechtzeitig",
                             now=utc_now() - dt.timedelta(hours=71, minutes=59))
        db.session.commit()
    deliver(app)
    listing = login(app.test_client(), admin[1]).get("/admin/benutzer").get_data(as_text=True)
    late_row = listing[listing.index("spaet@musterhausen.example"):listing.index("</tr>", listing.index("spaet@"))]
    in_time_row = listing[listing.index("recht@musterhausen.example"):listing.index("</tr>", listing.index("recht@"))]
    assert "Link abgelaufen" in late_row and "Link gültig bis" in in_time_row
    client = app.test_client()
    late = client.get(_link_from_mail(inbox, "spaet@musterhausen.example"))
    assert late.status_code == 410 and "abgelaufen" in late.get_data(as_text=True)
    assert client.get(_link_from_mail(inbox, "recht@musterhausen.example")).status_code == 200


def test_wrong_or_truncated_token_is_refused_with_a_german_message(app, admin_client, inbox):
    _invite(admin_client)
    deliver(app)
    link = _link_from_mail(inbox, "kollegin@musterhausen.example")
    for wrong in (link[:-3], "/passwort/" + "x" * 32):
        page = app.test_client().get(wrong)
        assert page.status_code == 410 and "ungültig" in page.get_data(as_text=True)


def test_resending_an_invitation_ends_the_earlier_link(app, admin_client, inbox):
    _invite(admin_client)
    deliver(app)
    first = _link_from_mail(inbox, "kollegin@musterhausen.example")
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "kollegin@musterhausen.example"))
    assert admin_client.post(f"/admin/benutzer/{user_id}/einladung").status_code == 302
    deliver(app)
    second = _link_from_mail(inbox, "kollegin@musterhausen.example")
    assert first != second
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200


def test_invite_refuses_existing_address_and_keeps_the_input(app, admin, admin_client, planner):
    response = _invite(admin_client, email=planner[1], name="Noch Einmal", phone="0171 999")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "bereits ein Konto" in text
    assert 'value="Noch Einmal"' in text and 'value="0171 999"' in text


# --- "Passwort vergessen?" -----------------------------------------------------------------------


def test_reset_does_not_reveal_whether_the_address_exists(app, planner, inbox):
    client = app.test_client()
    assert "Passwort vergessen?" in client.get("/login").get_data(as_text=True)
    known = client.post("/passwort-vergessen", data={"email": planner[1]}).get_data(as_text=True)
    unknown = client.post("/passwort-vergessen", data={"email": "niemand@musterhausen.example"}).get_data(as_text=True)
    assert known.replace(planner[1], "X") == unknown.replace("niemand@musterhausen.example", "X")
    deliver(app)
    assert [m["To"] for m in inbox.messages] == [planner[1]]


def test_reset_link_sets_a_new_password_and_ends_every_other_session(app, planner, planner_client, inbox):
    assert planner_client.get("/uebersicht").status_code == 200
    app.test_client().post("/passwort-vergessen", data={"email": planner[1].upper()})
    deliver(app)
    mail = inbox.to(planner[1])[-1]
    assert mail["Subject"].endswith(": Neues Passwort für Lückenlos")
    link = _link_from_mail(inbox, planner[1])
    browser = app.test_client()
    page = browser.get(link).get_data(as_text=True)
    assert "Neues Passwort festlegen" in page
    assert browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert browser.get("/uebersicht").status_code == 200
    # the session opened before the reset has ended
    stale = planner_client.get("/uebersicht")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login")
    assert app.test_client().post("/login", data={"email": planner[1], "password": PASSWORD}).status_code == 200
    login(app.test_client(), planner[1], NEW_PASSWORD)
    assert app.test_client().get(link).status_code == 410
    deliver(app)
    assert inbox.to(planner[1])[-1]["Subject"].endswith(": Ihr Passwort für Lückenlos wurde geändert")


def test_reset_link_expires_after_72_hours_and_a_newer_one_replaces_it(app, planner, inbox):
    with app.app_context():
        accounts.request_password_reset(planner[1], now=utc_now() - dt.timedelta(hours=72, seconds=1))
        db.session.commit()
    deliver(app)
    old = _link_from_mail(inbox, planner[1])
    page = app.test_client().get(old)
    assert page.status_code == 410 and "abgelaufen" in page.get_data(as_text=True)
    app.test_client().post("/passwort-vergessen", data={"email": planner[1]})
    deliver(app)
    new = _link_from_mail(inbox, planner[1])
    assert new != old and app.test_client().get(new).status_code == 200


def test_repeated_reset_requests_send_one_mail_within_five_minutes(app, planner, inbox):
    client = app.test_client()
    for _ in range(5):
        assert client.post("/passwort-vergessen", data={"email": planner[1]}).status_code == 200
    deliver(app)
    assert len(inbox.to(planner[1])) == 1
    assert app.test_client().get(_link_from_mail(inbox, planner[1])).status_code == 200


# --- the password policy -------------------------------------------------------------------------


@pytest.mark.parametrize("password", sorted(COMMON_PASSWORDS))
def test_common_passwords_are_refused(password):
    assert accounts.password_problems(password, "p@k.example")


@pytest.mark.parametrize("password, expected", [
    ("kurz-123", "mindestens 10 Zeichen"), ("aaaaaaaaaaaa", "zu leicht"), ("PASSWORT123", "zu leicht"),
    ("petra.plan-2026", "E-Mail-Adresse"), ("Eine Wiese im Mai", None),
])
def test_password_policy_says_what_is_wrong(password, expected):
    problems = " ".join(accounts.password_problems(password, "petra.plan@stadt.example"))
    assert (expected in problems) if expected else not problems


def test_cli_refuses_a_password_below_the_policy(runner):
    result = runner.invoke(args=["users", "create-admin", "--kommune", "Stadt Wuppertal", "--email", "a@w.example",
                                 "--password-file", "-"], input="123456789\n")
    assert result.exit_code != 0 and "mindestens 10 Zeichen" in result.output


# --- sessions ------------------------------------------------------------------------------------


def test_change_own_password_keeps_this_session_and_ends_the_others(app, planner, inbox):
    here, elsewhere = login(app.test_client(), planner[1]), login(app.test_client(), planner[1])
    form = here.get("/konto/passwort").get_data(as_text=True)
    assert "Mindestens 10 Zeichen" in form
    wrong = here.post("/konto/passwort", data={"current": "falsch-falsch", "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert "bisherige Passwort stimmt nicht" in wrong.get_data(as_text=True)
    short = here.post("/konto/passwort", data={"current": PASSWORD, "password": "kurz", "confirm": "kurz"})
    assert "mindestens 10 Zeichen" in short.get_data(as_text=True)
    done = here.post("/konto/passwort", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert here.get("/uebersicht").status_code == 200
    assert elsewhere.get("/uebersicht").status_code == 302
    login(app.test_client(), planner[1], NEW_PASSWORD)
    deliver(app)
    notice = inbox.to(planner[1])
    assert len(notice) == 1 and "wurde geändert" in notice[0]["Subject"]
    assert NEW_PASSWORD not in notice[0].get_body(("plain",)).get_content()


def test_logout_ends_a_copied_session_cookie(app, planner):
    client = login(app.test_client(), planner[1])
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    assert copy.get("/uebersicht").status_code == 200
    client.post("/logout")
    assert copy.get("/uebersicht").status_code == 302


def test_remember_me_cookie_ends_with_the_session_version(app, planner):
    client = app.test_client()
    client.post("/login", data={"email": planner[1], "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value, domain="localhost")
    assert fresh.get("/uebersicht").status_code == 200
    with app.app_context():
        accounts.end_sessions(db.session.get(User, planner[0]))
        db.session.commit()
    later = app.test_client()
    later.set_cookie("remember_token", remember.value, domain="localhost")
    assert later.get("/uebersicht").status_code == 302


# --- deactivating, the last administrator --------------------------------------------------------


def test_deactivated_user_is_logged_out_at_once_and_cannot_log_in(app, admin_client, planner, planner_client):
    assert planner_client.get("/uebersicht").status_code == 200
    response = admin_client.post(f"/admin/benutzer/{planner[0]}/deaktivieren", follow_redirects=True)
    assert "ist deaktiviert" in response.get_data(as_text=True)
    assert planner_client.get("/uebersicht").status_code == 302
    refused = app.test_client().post("/login", data={"email": planner[1], "password": PASSWORD})
    assert refused.status_code == 200 and "stimmen nicht" in refused.get_data(as_text=True)
    app.test_client().post("/passwort-vergessen", data={"email": planner[1]})
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken))
    admin_client.post(f"/admin/benutzer/{planner[0]}/reaktivieren")
    login(app.test_client(), planner[1])


def test_the_last_admin_cannot_be_deactivated_or_demoted(app, admin, admin_client):
    with app.app_context():
        only = db.session.get(User, admin[0])
        with pytest.raises(accounts.AccountError, match="einzige aktive Administration"):
            accounts.deactivate(only)
        db.session.rollback()
    demote = admin_client.post(f"/admin/benutzer/{admin[0]}/rolle", data={"role": "planner"}, follow_redirects=True)
    assert "einzige aktive Administration" in demote.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin[0]).role is Role.ADMIN
    second_id, _ = make_user(app, "admin", email="zweite@musterhausen.example")
    assert admin_client.post(f"/admin/benutzer/{second_id}/deaktivieren").status_code == 302
    admin_client.post(f"/admin/benutzer/{second_id}/reaktivieren")
    admin_client.post(f"/admin/benutzer/{admin[0]}/rolle", data={"role": "planner"})
    with app.app_context():
        assert db.session.get(User, admin[0]).role is Role.PLANNER


def test_another_kommunes_accounts_are_not_found(app, admin_client):
    other_id, _ = make_user(app, "planner", kommune="Kreis Düren", email="p@dueren.example")
    assert admin_client.get(f"/admin/benutzer/{other_id}").status_code == 404
    assert admin_client.post(f"/admin/benutzer/{other_id}", data={"display_name": "X"}).status_code == 404
    for action in ("deaktivieren", "reaktivieren", "einladung"):
        assert admin_client.post(f"/admin/benutzer/{other_id}/{action}").status_code == 404
    assert admin_client.post(f"/admin/benutzer/{other_id}/rolle", data={"role": "admin"}).status_code == 404
    with app.app_context():
        assert db.session.get(User, other_id).active


def test_admin_corrects_a_colleagues_name_and_phone(app, admin_client, planner):
    page = admin_client.get(f"/admin/benutzer/{planner[0]}")
    assert page.status_code == 200 and 'value="Planner Test"' in page.get_data(as_text=True)
    blank = admin_client.post(f"/admin/benutzer/{planner[0]}", data={"display_name": " ", "phone": "0202 1"})
    assert "Bitte geben Sie" in blank.get_data(as_text=True) and 'value="0202 1"' in blank.get_data(as_text=True)
    assert admin_client.post(f"/admin/benutzer/{planner[0]}", data={"display_name": "Paula Plan",
                                                                    "phone": "0202 1"}).status_code == 302
    with app.app_context():
        user = db.session.get(User, planner[0])
        assert (user.display_name, user.phone) == ("Paula Plan", "0202 1")


def test_users_admin_is_only_for_admins(app, planner_client, analyst_client):
    for client in (planner_client, analyst_client):
        assert client.get("/admin/benutzer").status_code == 403


# --- the own account and the survey contact ------------------------------------------------------


def test_own_name_and_phone_prefill_the_contact_of_a_new_survey(app, planner, planner_client):
    saved = planner_client.post("/konto", data={"display_name": "Petra Plan", "phone": "0241 5198-0"})
    assert saved.status_code == 302
    blank = planner_client.post("/konto", data={"display_name": "", "phone": "0241 5198-0"})
    assert "Bitte geben Sie Ihren Namen ein" in blank.get_data(as_text=True)
    form = planner_client.get("/surveys/new").get_data(as_text=True)
    assert 'value="Petra Plan"' in form and 'value="0241 5198-0"' in form and f'value="{planner[1]}"' in form


# --- the CLI -------------------------------------------------------------------------------------


def test_create_admin_prompts_for_the_password_and_the_admin_logs_in(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--kommune", "Stadt Wuppertal", "--email",
                                 "Admin@Wuppertal.example", "--name", "Anna Admin"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "/admin" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "admin@wuppertal.example"))
        assert user.role is Role.ADMIN and user.display_name == "Anna Admin" and user.kommune.name == "Stadt Wuppertal"
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@wuppertal.example", "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/admin/"
    again = runner.invoke(args=["users", "create-admin", "--kommune", "Stadt Wuppertal", "--email",
                                "admin@wuppertal.example", "--password-file", "-"], input=NEW_PASSWORD)
    assert again.exit_code != 0 and "bereits ein Konto" in again.output


def test_first_day_admin_from_the_cli_invites_a_planner_and_an_analyst_who_land_on_their_start_pages(
        app, runner, inbox):
    """From an empty database: the CLI makes the first admin; the colleagues come in through their mails."""
    result = runner.invoke(args=["users", "create-admin", "--kommune", "Kreis Düren", "--email", "admin@dueren.example",
                                 "--name", "Ada Admin", "--password-file", "-"], input=NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    admin_client = login(app.test_client(), "admin@dueren.example", NEW_PASSWORD)
    assert admin_client.get("/").headers["Location"] == "/admin/"
    for email, role in (("plan@dueren.example", "planner"), ("zahl@dueren.example", "analyst")):
        assert _invite(admin_client, email=email, role=role, name=role.title()).status_code == 302
    deliver(app)
    for email, start, heading in (("plan@dueren.example", "/uebersicht", "Übersicht"),
                                  ("zahl@dueren.example", "/results/", "Auswertung")):
        client = app.test_client()
        done = client.post(_link_from_mail(inbox, email), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert done.headers["Location"] == start
        page = client.get(start)
        assert page.status_code == 200 and f"<h1>{heading}" in page.get_data(as_text=True)
    with app.app_context():
        kommunen = {u.kommune.name for u in db.session.scalars(sa.select(User))}
        assert kommunen == {"Kreis Düren"}


def test_passwords_are_hashed_with_scrypt_unless_a_test_says_otherwise(app, tmp_path, monkeypatch):
    from survey import create_app
    from survey.config import DEFAULTS

    assert DEFAULTS["PASSWORD_HASH_METHOD"] == "scrypt"  # what every real start uses (no env variable for it)
    monkeypatch.setenv("PASSWORD_HASH_METHOD", "plain")  # an environment cannot weaken it
    production_like = create_app({"TESTING": True, "SECRET_KEY": "x", "DEMO_MODE": False,
                                  "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert production_like.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with production_like.app_context():
        user = accounts.create_user("Stadt Musterhausen", "hash@musterhausen.example", PASSWORD, "planner")
        assert user.password_hash.startswith("scrypt:") and user.check_password(PASSWORD)
        db.session.rollback()
        db.engine.dispose()

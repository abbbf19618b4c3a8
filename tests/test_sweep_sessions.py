"""Copied cookies end with the session: after logout, a password change (even in the very session
the cookies were copied from), a reset and a deactivation, the copied session cookie and the
"Angemeldet bleiben" cookie, replayed alone or together, lead to the login page.

tests/test_accounts.py has the single cases (a copied session cookie after logout, the remember-me
cookie after `end_sessions`); this sweep replays both cookies after every way a session ends.
"""

from __future__ import annotations

import re

import pytest

from factories import PASSWORD, deliver, login, make_user
from survey.extensions import db
from survey.models import Survey

NEW_PASSWORD = "Ein Kennwort für den Sweep 9"


def _logout(app, client, user, inbox):
    assert client.post("/logout").status_code == 302


def _change_password_here(app, client, user, inbox):
    done = client.post("/konto/passwort", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/uebersicht").status_code == 200  # this browser stays logged in (re-issued)


def _reset(app, client, user, inbox):
    """"Passwort vergessen?" from another browser, the link from the mail, a new password."""
    other = app.test_client()
    assert other.post("/passwort-vergessen", data={"email": user[1]}).status_code == 200
    deliver(app)
    text = inbox.to(user[1])[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:5000(/passwort/[A-Za-z0-9_-]{20,})", text).group(1)
    assert other.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def _deactivate(app, client, user, inbox):
    admin = login(app.test_client(), make_user(app, "admin")[1])
    assert admin.post(f"/admin/benutzer/{user[0]}/deaktivieren").status_code == 302


@pytest.mark.parametrize("end", [_logout, _change_password_here, _reset, _deactivate],
                         ids=["logout", "password-change", "reset", "deactivation"])
@pytest.mark.parametrize("replay", ["session", "remember_token", "both"])
def test_copied_cookies_lead_to_the_login_once_the_session_ended(app, inbox, planner, end, replay):
    client = app.test_client()
    response = client.post("/login", data={"email": planner[1], "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    names = list(cookies) if replay == "both" else [replay]

    def copy():
        thief = app.test_client()
        for name in names:
            thief.set_cookie(name, cookies[name], domain="localhost")
        return thief

    assert copy().get("/uebersicht").status_code == 200  # the copy works while the session lives
    end(app, client, planner, inbox)
    thief = copy()
    for url in ("/uebersicht", "/surveys/", "/konto"):
        answer = thief.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login"), (url, answer.status_code)
    posted = thief.post("/surveys/new", data={"title": "Vom Dieb"})  # the login form, keeping what was typed
    assert posted.status_code == 401 and 'action="/login' in posted.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(db.select(Survey).filter_by(title="Vom Dieb")).all()

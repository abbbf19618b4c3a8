"""A planner form posted with an expired token or after the session ended keeps every typed word:
the page shows it in the form, says why it was not saved, and sends it again (after logging in)."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from factories import PASSWORD, login, make_survey
from survey.extensions import db
from survey.models import Survey, User
from survey.services import accounts
from test_edit_conflicts import _form_for

LONG = ("Liebe Kolleginnen und Kollegen,\n\nwir bitten Sie um Ihre Angaben zu den Angeboten in Ihrem Stadtteil. "
        "Die Befragung dauert etwa zwanzig Minuten.\n\n{Link}\n\nHerzliche Grüße aus dem Jugendamt")


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def texts(app, planner):
    with app.app_context():
        survey = make_survey(planner[0], open_it=False)
        return f"/surveys/{survey.id}/invitations/text", survey.id


def _texts_form(client, url) -> MultiDict:
    form = _form_for(client.get(url).get_data(as_text=True), url)
    fields = MultiDict([tuple(f) for f in form["fields"]])
    fields["invitation_text"] = LONG
    fields["action"] = "save"
    return fields


def _stored_text(app, survey_id) -> str:
    with app.app_context():
        return db.session.get(Survey, survey_id).invitation_text


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_expired_token_keeps_the_mail_text_and_sends_it_with_a_fresh_one(app, planner, texts, csrf_on):
    url, survey_id = texts
    client = app.test_client()
    login_form = _form_for(client.get("/login").get_data(as_text=True), "/login")
    client.post("/login", data={"csrf_token": dict(login_form["fields"])["csrf_token"], "email": planner[1],
                                "password": PASSWORD})
    fields = _texts_form(client, url)
    fields["csrf_token"] = "abgelaufen"
    refused = client.post(url, data=fields)
    page = _page(refused)
    assert refused.status_code == 400
    assert "Noch nicht gespeichert" in page and "zu lange geöffnet" in page and LONG in page
    assert "laden Sie die Seite neu" not in page
    assert _stored_text(app, survey_id) == ""
    again = _form_for(refused.get_data(as_text=True), url)
    saved = client.post(url, data=MultiDict([tuple(f) for f in again["fields"]]))
    assert saved.status_code == 302
    assert _stored_text(app, survey_id) == LONG


@pytest.mark.parametrize("how", ["logged out in another tab", "password changed elsewhere"])
def test_after_the_session_ended_the_text_survives_the_login(app, planner, texts, how):
    url, survey_id = texts
    client = login(app.test_client(), planner[1])
    fields = _texts_form(client, url)
    if how == "logged out in another tab":
        client.post("/logout")
    else:
        with app.app_context():
            accounts.end_sessions(db.session.get(User, planner[0]))
            db.session.commit()
    refused = client.post(url, data=fields)
    page = _page(refused)
    assert refused.status_code == 401
    assert "abgemeldet" in page and "Anmelden" in page and LONG in page
    # A wrong password keeps carrying the text.
    form = _form_for(refused.get_data(as_text=True), "/login")
    wrong = client.post("/login",
                        data=MultiDict([*(tuple(f) for f in form["fields"] if f[0] not in ("email", "password")),
                                                  ("email", planner[1]), ("password", "falsch-falsch-1")]))
    assert LONG in _page(wrong) and "stimmen nicht" in _page(wrong)
    form = _form_for(wrong.get_data(as_text=True), "/login")
    fields = MultiDict([tuple(f) for f in form["fields"] if f[0] not in ("email", "password")])
    fields.update({"email": planner[1], "password": PASSWORD})
    logged_in = client.post("/login", data=fields)
    assert logged_in.status_code == 200 and LONG in _page(logged_in) and "Jetzt speichern" in _page(logged_in)
    assert _stored_text(app, survey_id) == ""
    again = _form_for(logged_in.get_data(as_text=True), url)
    assert client.post(url, data=MultiDict([tuple(f) for f in again["fields"]])).status_code == 302
    assert _stored_text(app, survey_id) == LONG


def test_the_kept_text_is_shown_only_to_the_browser_that_posted_it(app, planner, texts):
    url, _survey_id = texts
    client = login(app.test_client(), planner[1])
    fields = _texts_form(client, url)
    client.post("/logout")
    assert LONG in _page(client.post(url, data=fields))
    other = login(app.test_client(), planner[1])  # the same planner in another browser
    for page in ("/login", url, "/uebersicht"):
        assert "Herzliche Grüße aus dem Jugendamt" not in _page(other.get(page, follow_redirects=True))
    with app.app_context():  # nothing of it was stored anywhere
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                assert "Herzliche Grüße aus dem Jugendamt" not in str(tuple(row)), table.name


def test_passwords_are_never_sent_back(app, planner, csrf_on):
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": "abgelaufen", "email": planner[1], "password": PASSWORD})
    assert response.status_code == 400 and PASSWORD not in response.get_data(as_text=True)
    client = login_with_token(app, planner[1])
    response = client.post("/konto/passwort", data={"csrf_token": "x", "current": PASSWORD,
                                                    "password": "neu-und-lang-genug-1",
                                                    "confirm": "neu-und-lang-genug-1"})
    assert response.status_code == 400
    assert PASSWORD not in response.get_data(as_text=True) and "neu-und-lang" not in response.get_data(as_text=True)


def test_a_get_after_the_session_ended_still_goes_to_the_login(client):
    response = client.get("/surveys/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def login_with_token(app, email):
    client = app.test_client()
    form = _form_for(client.get("/login").get_data(as_text=True), "/login")
    client.post("/login", data={"csrf_token": dict(form["fields"])["csrf_token"], "email": email, "password": PASSWORD})
    return client

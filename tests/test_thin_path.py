"""The thin path through HTTP: build, open, invite, mail, answer over two sittings, submit."""

from __future__ import annotations

import re

from factories import PRIVACY, deliver, invite, make_survey, token_from_mail
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, Response, Survey


def _create_survey_through_pages(client) -> int:
    response = client.post("/surveys/new", data={"title": "Netzwerke im Stadtteil", "contact_name": "Petra Plan",
                                                 "privacy_notice": PRIVACY,
                                                 "contact_email": "petra@musterhausen.example"})
    assert response.status_code == 302
    survey_id = int(re.search(r"/surveys/(\d+)", response.headers["Location"]).group(1))
    for key in ("netzwerk.wirkungskreis", "netzwerk.lebensphasen", "netzwerk.fokus"):
        assert client.post(f"/surveys/{survey_id}/items", data={"key": key}).status_code == 302
    assert client.post(f"/surveys/{survey_id}/open").status_code == 302
    return survey_id


def test_planner_builds_survey_invites_and_respondent_answers_in_two_sittings(app, planner_client, client, inbox):
    survey_id = _create_survey_through_pages(planner_client)
    page = planner_client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Auf welchen Wirkungskreis bezieht sich das Netzwerk?" in page and "Offen" in page

    response = planner_client.post(f"/surveys/{survey_id}/invitations",
                                   data={"addresses": "Kita@Traeger.example\n", "action": "send"})
    assert response.status_code == 302
    assert deliver(app).sent == 1
    [mail] = inbox.to("kita@traeger.example")
    assert "Netzwerke im Stadtteil" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "http://127.0.0.1:5000/r/" in text
    token = token_from_mail(text)

    welcome = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Netzwerke im Stadtteil" in welcome and "Petra Plan" in welcome
    start = client.post(f"/r/{token}/start")
    assert start.headers["Location"].endswith(f"/r/{token}/seite/1")

    form = client.get(f"/r/{token}/seite/1").get_data(as_text=True)
    revision = re.search(r'name="_revision" value="(\d+)"', form).group(1)
    saved = client.post(f"/r/{token}/seite/1", data={
        "_revision": revision, "_action": "save",
        "netzwerk.wirkungskreis": "stadtteil",
        "netzwerk.lebensphasen": ["kita", "grundschule"],
        "netzwerk.fokus": "Übergang Kita – Grundschule",
    }, follow_redirects=True)
    assert "Gespeichert um" in saved.get_data(as_text=True)

    # A second sitting: a fresh browser (no cookies) finds everything filled in.
    later = app.test_client()
    again = later.get(f"/r/{token}/seite/1").get_data(as_text=True)
    assert re.search(r'value="stadtteil"\s+checked', again)
    assert re.search(r'value="kita"\s+checked', again) and re.search(r'value="grundschule"\s+checked', again)
    assert "Übergang Kita – Grundschule" in again
    assert "Weiter ausfüllen" in later.get(f"/r/{token}").get_data(as_text=True)

    review = later.get(f"/r/{token}/pruefen").get_data(as_text=True)
    assert "Stadtteil / Sozialraum" in review
    done = later.post(f"/r/{token}/pruefen", follow_redirects=True).get_data(as_text=True)
    assert "Vielen Dank" in done

    with app.app_context():
        invitation = db.session.query(Invitation).one()
        assert invitation.status is InvitationStatus.SUBMITTED
        answers = db.session.query(Response).one().answers
        assert answers == {"netzwerk.wirkungskreis": "stadtteil", "netzwerk.lebensphasen": ["kita", "grundschule"],
                           "netzwerk.fokus": "Übergang Kita – Grundschule"}

    deliver(app)
    confirmation = [m for m in inbox.to("kita@traeger.example") if "Bestätigung" in m["Subject"]]
    assert confirmation and "Stadtteil / Sozialraum" in confirmation[0].get_body(("plain",)).get_content()
    # Submitted answers are read-only for the respondent.
    assert later.get(f"/r/{token}/seite/1").headers["Location"].endswith(f"/r/{token}/fertig")


def test_invalid_number_is_kept_as_typed_with_a_german_message(app, planner, client):
    with app.app_context():
        survey = make_survey(planner[0], keys=["akteur.mitarbeitende"])
        token = invite(survey)
    client.post(f"/r/{token}/start")
    page = client.post(f"/r/{token}/seite/1", data={"_revision": "0", "_action": "save",
                                                   "akteur.mitarbeitende": "ca. 20"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert 'value="ca. 20"' in text
    assert "Bitte eine ganze Zahl eingeben" in text
    with app.app_context():
        assert db.session.query(Response).one().draft["akteur.mitarbeitende"] == ["ca. 20"]


def test_unknown_link_gets_a_german_page_without_hints(client):
    response = client.get("/r/das-gibt-es-nicht-1234567890")
    assert response.status_code == 404
    assert "Dieser Link ist nicht (mehr) gültig" in response.get_data(as_text=True)


def test_opened_survey_is_frozen(app, planner, planner_client):
    with app.app_context():
        survey_id = make_survey(planner[0]).id
    response = planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.fokus"}, follow_redirects=True)
    assert "eingefroren" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Survey, survey_id).items) == 3


def test_stale_tab_does_not_silently_overwrite_newer_answers(app, planner, client):
    with app.app_context():
        token = invite(make_survey(planner[0]))
    client.post(f"/r/{token}/start")
    client.post(f"/r/{token}/seite/1", data={"_revision": "0", "_action": "save", "netzwerk.fokus": "aus Tab A"})
    stale = client.post(f"/r/{token}/seite/1",
                        data={"_revision": "0", "_action": "save", "netzwerk.fokus": "aus Tab B"})
    text = stale.get_data(as_text=True)
    assert "in einem anderen Fenster" in text and "aus Tab B" in text
    with app.app_context():
        assert db.session.query(Response).one().draft["netzwerk.fokus"] == ["aus Tab A"]
    client.post(f"/r/{token}/seite/1",
                data={"_revision": "0", "_force": "1", "_action": "save", "netzwerk.fokus": "aus Tab B"})
    with app.app_context():
        assert db.session.query(Response).one().draft["netzwerk.fokus"] == ["aus Tab B"]


def test_invitation_list_shows_who_got_what(app, planner, planner_client, inbox):
    with app.app_context():
        survey = make_survey(planner[0])
        survey_id = survey.id
        invite(survey, "kita@traeger.example", organisation="Kita Sonnenschein")
    deliver(app)
    page = planner_client.get(f"/surveys/{survey_id}/invitations")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kita Sonnenschein" in text and "kita@traeger.example" in text and "Versendet" in text

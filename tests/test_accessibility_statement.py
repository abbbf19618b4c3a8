"""The accessibility statement of the respondent pages (BITV 2.0 / BITV NRW): every respondent page links
to it and to "Barriere melden" without giving away the personal link; the statement has the required
parts; feedback reaches the Kommune as a mail through a real SMTP server, bad input keeps what was typed,
and a flood from one client is slowed down."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from survey.extensions import db
from survey.models import Kommune
from survey.services import accessibility

from factories import deliver, invite, make_survey, make_user
from test_respond import text_of


@pytest.fixture
def survey_world(app):
    """An admin of Kreis Düren and a running survey with one invitation; returns (kommune_id, token, admin email)."""
    admin_id, admin_email = make_user(app, "admin", kommune="Kreis Düren")
    with app.app_context():
        survey = make_survey(admin_id)
        token = invite(survey)
        return survey.kommune_id, token, admin_email


def _statement(client, kommune_id: int, **query):
    return client.get(f"/barrierefreiheit/{kommune_id}", query_string=query)


def test_every_respondent_page_links_to_the_statement_without_the_personal_link(app, client, survey_world):
    kommune_id, token, _admin = survey_world
    client.post(f"/r/{token}/start")
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("respond.") and "GET" in rule.methods and "token" in rule.arguments:
                values = {"token": token, "number": 1, "key": "angebote.angebote", "index": 1}
                urls.append(url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
    urls.append(f"/befragungen/{kommune_id}")
    shown = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:  # e.g. an entry of a question this survey does not ask
            continue
        shown += 1
        html = response.get_data(as_text=True)
        assert f'href="/barrierefreiheit/{kommune_id}">Barrierefreiheit</a>' in html, url
        report = re.search(rf'href="(/barrierefreiheit/{kommune_id}\?seite=[^"#]*)#rueckmeldung">Barriere melden</a>', html)
        assert report, url
        assert token[6:] not in report.group(1), url  # cut as in the log: no usable link in a mail or log
    assert shown >= 5


def test_the_statement_has_the_required_parts_and_the_kommunes_own(app, client, survey_world):
    kommune_id, _token, _admin = survey_world
    text = text_of(_statement(client, kommune_id))
    for part in ("Stand der Vereinbarkeit mit den Anforderungen", "teilweise vereinbar", "Nicht barrierefreie Inhalte",
                 "Erstellung dieser Erklärung", "Barriere melden", "Durchsetzungsverfahren",
                 "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen",
                 "Der Kreis Düren ist bemüht"):
        assert part in text, part
    for limit in accessibility.KNOWN_LIMITS:
        assert limit in text
    with app.app_context():
        kommune = db.session.get(Kommune, kommune_id)
        kommune.accessibility_notes = "Die Anhänge unserer Einladungen sind eingescannte PDF-Dateien."
        kommune.enforcement_body = "Schlichtungsstelle nach § 16 BGG, Mauerstraße 53, 10117 Berlin."
        kommune.accessibility_url = "https://www.kreis-dueren.de/barrierefreiheit"
        db.session.commit()
    response = _statement(client, kommune_id)
    text = text_of(response)
    assert "Die Anhänge unserer Einladungen sind eingescannte PDF-Dateien." in text
    assert "Schlichtungsstelle nach § 16 BGG, Mauerstraße 53" in text and "Ombudsstelle" not in text
    assert 'href="https://www.kreis-dueren.de/barrierefreiheit"' in response.get_data(as_text=True)
    assert client.get("/barrierefreiheit/999999").status_code == 404


def test_feedback_reaches_the_admins_or_the_feedback_address_with_a_reply_address(app, client, inbox, survey_world):
    kommune_id, token, admin = survey_world
    page = text_of(_statement(client, kommune_id, seite=f"/r/{token}/seite/1"))
    assert "Was hat nicht funktioniert?" in page
    form = client.get(f"/barrierefreiheit/{kommune_id}?seite=/r/{token}/seite/1").get_data(as_text=True)
    hidden = re.search(r'name="page" type="hidden" value="([^"]*)"', form) or re.search(
        r'type="hidden" name="page" value="([^"]*)"', form) or re.search(r'id="page" name="page" type="hidden" value="([^"]*)"', form)
    assert hidden and token not in hidden.group(1) and hidden.group(1).startswith(f"/r/{token[:6]}…")
    response = client.post(f"/barrierefreiheit/{kommune_id}", data={
        "message": "Die Auswahlfelder auf Seite 2 liest mein Bildschirmleser nicht vor.", "name": "Eva Meier",
        "email": "eva.meier@traeger.example", "page": hidden.group(1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("gesendet=1#rueckmeldung")
    assert "Vielen Dank! Ihre Rückmeldung ist an den Kreis Düren gegangen." in text_of(client.get(response.headers["Location"]))
    deliver(app)
    [mail] = inbox.to(admin)
    assert mail["Subject"] == "Kreis Düren: Rückmeldung zur Barrierefreiheit"
    assert mail["Reply-To"] == "eva.meier@traeger.example"
    body = mail.get_body(("plain",)).get_content()
    assert "Die Auswahlfelder auf Seite 2 liest mein Bildschirmleser nicht vor." in body
    assert "Von: Eva Meier, eva.meier@traeger.example" in body and f"Seite: /r/{token[:6]}…/seite/1" in body
    assert token not in mail.as_string()
    with app.app_context():
        db.session.get(Kommune, kommune_id).feedback_email = "barrierefrei@kreis-dueren.example"
        db.session.commit()
    client.post(f"/barrierefreiheit/{kommune_id}", data={"message": "Kontrast der Hinweise ist zu schwach."})
    deliver(app)
    assert [m["Subject"] for m in inbox.to("barrierefrei@kreis-dueren.example")] == \
        ["Kreis Düren: Rückmeldung zur Barrierefreiheit"]
    assert len(inbox.to(admin)) == 1


def test_bad_feedback_is_explained_in_german_and_keeps_what_was_typed(app, client, inbox, survey_world):
    kommune_id, _token, admin = survey_world
    response = client.post(f"/barrierefreiheit/{kommune_id}", data={"message": "  ", "name": "Eva Meier"})
    assert response.status_code == 422
    text = text_of(response)
    assert "Bitte beschreiben Sie, was nicht funktioniert hat." in text
    assert 'value="Eva Meier"' in response.get_data(as_text=True)
    response = client.post(f"/barrierefreiheit/{kommune_id}", data={"message": "Der Knopf fehlt.", "email": "eva@"})
    assert response.status_code == 422
    assert "Bitte eine gültige E-Mail-Adresse eingeben" in text_of(response)
    assert "Der Knopf fehlt." in response.get_data(as_text=True)
    deliver(app)
    assert inbox.to(admin) == []


def test_a_flood_of_feedback_from_one_client_is_slowed_down(app, client, inbox, survey_world):
    kommune_id, _token, admin = survey_world
    codes = [client.post(f"/barrierefreiheit/{kommune_id}", data={"message": f"Meldung {n}"}).status_code
             for n in range(14)]
    assert codes[:10] == [302] * 10 and 429 in codes[10:]
    refused = client.post(f"/barrierefreiheit/{kommune_id}", data={"message": "Noch eine"})
    assert refused.status_code == 429
    assert "Von diesem Anschluss kamen in kurzer Zeit viele Rückmeldungen." in text_of(refused)
    assert "Noch eine" in refused.get_data(as_text=True)  # nothing typed is lost
    deliver(app)
    assert len(inbox.to(admin)) == codes.count(302)

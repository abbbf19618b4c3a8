"""Answers entered on behalf of an organisation: a planner opens an invitation's questionnaire from the
invitation page, picks the source and goes through the respondent's own pages under a planner URL."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa

from factories import deliver, invite, login, make_user, two_page_survey
from survey.extensions import db
from survey.models import AuditEntry, Invitation, InvitationStatus, OutboxMessage, Response, Survey, User
from survey.services import surveys


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def base_of(page: str) -> dict[str, str]:
    return {"_revision": re.search(r'name="_revision" value="(\d+)"', page).group(1),
            "_base": re.search(r'name="_base" value="(\w*)"', page).group(1)}


@pytest.fixture
def world(app, planner, monkeypatch):
    """An open two-page survey with one invitation; the audit guard strict (every staff change recorded)."""
    monkeypatch.setitem(app.config, "AUDIT_STRICT", True)
    with app.app_context():
        survey = two_page_survey(planner[0], required=False)
        token = invite(survey, "kita@traeger.example", "Kita Sonnenschein")
        invitation = db.session.scalar(sa.select(Invitation))
        base = f"/surveys/{survey.id}/invitations/{invitation.id}"
        return {"survey": survey.id, "invitation": invitation.id, "token": token, "base": base,
                "door": f"{base}/erfassen", "planner": planner[0]}


def response_row(app) -> Response:
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        if response is not None:
            db.session.expunge(response)
        return response


def audit_rows(app) -> list[tuple[str, str, int | None]]:
    with app.app_context():
        return [(e.action, e.description, e.actor_id) for e in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like("answers.on_behalf%")).order_by(AuditEntry.id))]


def begin(client, world, source="phone", page=1):
    started = client.post(world["door"], data={"source": source})
    assert started.status_code == 302, text_of(started)
    assert started.headers["Location"].endswith(f"{world['door']}/seite/{page}")  # where the respondent stopped
    return started


def test_planner_enters_a_phone_call_and_submits_it_without_mail_to_the_organisation(app, world, planner_client,
                                                                                      inbox):
    detail = text_of(planner_client.get(world["base"]))
    assert "Antworten im Auftrag erfassen" in detail and f'href="{world["door"]}"' in detail

    form = text_of(planner_client.get(world["door"]))
    for label in ("Papierfragebogen", "Telefon", "E-Mail/Sonstiges"):
        assert label in form
    assert "keine E-Mail" in form and "Die Organisation hat noch nichts gespeichert." in form
    refused = planner_client.post(world["door"], data={})
    assert refused.status_code == 422 and "Bitte wählen Sie, woher die Antworten stammen." in text_of(refused)
    assert response_row(app) is None  # nothing started without a source

    begin(planner_client, world)
    page = text_of(planner_client.get(f"{world['door']}/seite/1"))
    assert "Sie erfassen die Antworten von Kita Sonnenschein im Auftrag (Telefon)" in page
    assert f'action="{world["door"]}/seite/1"' in page
    assert not re.search(r"data-autosave(?!-)", page)  # no autosave: it posts without the session cookie
    assert "/r/" not in page  # no link of the respondent's (and no "Link erneut zusenden")

    saved = planner_client.post(f"{world['door']}/seite/1", data={
        **base_of(page), "_action": "next", "netzwerk.wirkungskreis": "stadtteil",
        "netzwerk.lebensphasen": ["kita", "grundschule"]})
    assert saved.headers["Location"].endswith(f"{world['door']}/seite/2")
    page2 = text_of(planner_client.get(f"{world['door']}/seite/2"))
    to_review = planner_client.post(f"{world['door']}/seite/2", data={
        **base_of(page2), "_action": "review", "netzwerk.fokus": "Übergang Kita – Grundschule"})
    assert to_review.headers["Location"].endswith(f"{world['door']}/pruefen")
    review = text_of(planner_client.get(f"{world['door']}/pruefen"))
    assert "Stadtteil / Sozialraum" in review and "Bestätigung an die Organisation senden" in review
    assert "Erfasst von Planner Test am" in review and "(Telefon)" in review

    done = planner_client.post(f"{world['door']}/pruefen")
    assert done.headers["Location"].endswith(f"{world['door']}/fertig")
    done_page = text_of(planner_client.get(f"{world['door']}/fertig"))
    assert "Die Antworten von Kita Sonnenschein sind abgeschickt" in done_page
    assert "Es geht keine E-Mail an die Organisation." in done_page

    response = response_row(app)
    assert response.answers == {"netzwerk.wirkungskreis": "stadtteil", "netzwerk.lebensphasen": ["kita", "grundschule"],
                                "netzwerk.fokus": "Übergang Kita – Grundschule"}
    assert (response.entered_source, response.entered_by_id, response.entered_by_name) == (
        "phone", world["planner"], "Planner Test")
    assert response.entered_at is not None and response.submitted_at is not None
    with app.app_context():
        invitation = db.session.get(Invitation, world["invitation"])
        assert invitation.status is InvitationStatus.SUBMITTED
        assert invitation.opened_at is None  # the organisation never opened its link
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "confirmation")) == 0
    deliver(app)
    assert not [m for m in inbox.to("kita@traeger.example") if "Bestätigung" in m["Subject"]]

    entries = audit_rows(app)
    assert [a for a, _d, _who in entries] == ["answers.on_behalf", "answers.on_behalf", "answers.on_behalf",
                                              "answers.on_behalf_submitted"]
    assert all(who == world["planner"] for _a, _d, who in entries)
    assert entries[0][1] == "Erfassung der Antworten von „Kita Sonnenschein“ im Auftrag begonnen (Telefon)"
    assert entries[-1][1] == ("Antworten von „Kita Sonnenschein“ im Auftrag abgeschickt (Telefon, ohne Bestätigung "
                              "an die Organisation)")
    assert not any("Übergang" in d or "stadtteil" in d for _a, d, _who in entries)  # never an answer
    assert not any("@" in d for _a, d, _who in entries)  # nor an address

    detail = text_of(planner_client.get(world["base"]))
    assert re.search(r"Im Auftrag erfasst</dt><dd id=\"erfasst\">Erfasst von Planner Test am \d\d\.\d\d\.\d{4} "
                     r"\d\d:\d\d \(Telefon\)", detail)
    listing = text_of(planner_client.get(f"/surveys/{world['survey']}/invitations"))
    assert "Erfasst von Planner Test am" in listing
    # The organisation's own link shows the submitted answers with the mark, and promises no mail.
    own = text_of(app.test_client().get(f"/r/{world['token']}/fertig"))
    assert "Erfasst von Planner Test am" in own and "Eine Bestätigung" not in own


def test_the_confirmation_goes_out_only_when_ticked(app, world, planner_client, inbox):
    begin(planner_client, world, "paper")
    page = text_of(planner_client.get(f"{world['door']}/seite/1"))
    planner_client.post(f"{world['door']}/seite/1", data={**base_of(page), "netzwerk.wirkungskreis": "quartier"})
    done = planner_client.post(f"{world['door']}/pruefen", data={"_bestaetigung": "1"}, follow_redirects=True)
    assert "Eine Bestätigung mit einer Kopie der Antworten geht an kita@traeger.example." in text_of(done)
    deliver(app)
    [mail] = [m for m in inbox.to("kita@traeger.example") if "Bestätigung" in m["Subject"]]
    assert "Quartier" in mail.get_body(("plain",)).get_content()
    assert audit_rows(app)[-1][1].endswith("(Papierfragebogen, mit Bestätigung an die Organisation)")


def test_the_respondents_draft_is_completed_not_lost(app, world, planner_client):
    respondent = app.test_client()
    respondent.post(f"/r/{world['token']}/start")
    page = text_of(respondent.get(f"/r/{world['token']}/seite/2"))
    respondent.post(f"/r/{world['token']}/seite/2", data={**base_of(page), "netzwerk.fokus": "Familienzentren"})

    form = text_of(planner_client.get(world["door"]))
    assert "Die Organisation hat schon Antworten gespeichert." in form
    begin(planner_client, world, "other", page=2)
    page1 = text_of(planner_client.get(f"{world['door']}/seite/1"))
    planner_client.post(f"{world['door']}/seite/1", data={**base_of(page1), "_action": "review",
                                                          "netzwerk.wirkungskreis": "kreis"})
    page2 = text_of(planner_client.get(f"{world['door']}/seite/2"))
    assert "Familienzentren" in page2  # the respondent's answer, in the planner's form
    planner_client.post(f"{world['door']}/pruefen")
    response = response_row(app)
    assert response.answers == {"netzwerk.wirkungskreis": "kreis", "netzwerk.fokus": "Familienzentren"}
    assert response.entered_source == "other"
    assert "mit den bereits gespeicherten Antworten der Organisation" in audit_rows(app)[0][1]


def test_planner_and_respondent_saving_the_same_page_get_the_conflict_page(app, world, planner_client):
    respondent = app.test_client()
    respondent.post(f"/r/{world['token']}/start")
    begin(planner_client, world, page=1)
    planner_form = text_of(planner_client.get(f"{world['door']}/seite/2"))
    theirs = text_of(respondent.get(f"/r/{world['token']}/seite/2"))
    respondent.post(f"/r/{world['token']}/seite/2", data={**base_of(theirs), "netzwerk.fokus": "Sprachförderung"})
    stale = planner_client.post(f"{world['door']}/seite/2", data={**base_of(planner_form),
                                                                  "netzwerk.fokus": "Elternarbeit"})
    assert stale.status_code == 409
    body = text_of(stale)
    assert "Sprachförderung" in body and "Elternarbeit" in body and 'name="_force" value="1"' in body
    assert response_row(app).draft["netzwerk.fokus"] == ["Sprachförderung"]  # nothing overwritten
    forced = planner_client.post(f"{world['door']}/seite/2", data={**base_of(body), "_force": "1",
                                                                   "netzwerk.fokus": "Elternarbeit"})
    assert forced.status_code == 302 and response_row(app).draft["netzwerk.fokus"] == ["Elternarbeit"]


def test_another_kommunes_invitation_is_not_found_and_analysts_may_not_enter(app, world, analyst_client):
    other_id, other_email = make_user(app, "planner", kommune="Stadt Anderswo")
    stranger = login(app.test_client(), other_email)
    for path in (world["door"], f"{world['door']}/seite/1", f"{world['door']}/pruefen", f"{world['door']}/fertig"):
        assert stranger.get(path).status_code == 404, path
        assert analyst_client.get(path).status_code == 403, path
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"], path
    assert stranger.post(world["door"], data={"source": "phone"}).status_code == 404
    assert stranger.post(f"{world['door']}/seite/1", data={"netzwerk.wirkungskreis": "quartier"}).status_code == 404
    # The invitation's id under another survey of the planner's own Kommune: not found either.
    with app.app_context():
        user = db.session.get(User, world["planner"])
        other = surveys.create_survey(user.kommune, user, "Andere Befragung")
        db.session.commit()
        wrong = f"/surveys/{other.id}/invitations/{world['invitation']}/erfassen"
    assert login(app.test_client(), "planner@musterhausen.example").get(wrong).status_code == 404
    assert response_row(app) is None and audit_rows(app) == []
    # The stand-in key of a planner's door is no respondent link.
    assert app.test_client().get(f"/r/erfassen-{world['invitation']}").status_code == 404


def test_pages_of_the_door_need_the_source_first_and_closed_surveys_refuse(app, world, planner_client):
    first = planner_client.get(f"{world['door']}/seite/1")
    assert first.status_code == 302 and first.headers["Location"].endswith(world["door"])
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, world["survey"]))
        db.session.commit()
    refused = planner_client.post(world["door"], data={"source": "phone"})
    assert "Die Befragung ist nicht geöffnet" in text_of(refused) and response_row(app) is None


def test_the_export_marks_answers_entered_on_behalf(app, world, planner_client):
    begin(planner_client, world, "paper")
    page = text_of(planner_client.get(f"{world['door']}/seite/1"))
    planner_client.post(f"{world['door']}/seite/1", data={**base_of(page), "netzwerk.wirkungskreis": "quartier"})
    planner_client.post(f"{world['door']}/pruefen")
    with app.app_context():
        second = invite(db.session.get(Survey, world["survey"]), "schule@traeger.example", "Grundschule")
    respondent = app.test_client()
    respondent.post(f"/r/{second}/start")
    respondent.post(f"/r/{second}/pruefen")

    raw = planner_client.get(f"/results/{world['survey']}/antworten.csv?variante=rohdaten").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";" if ";" in raw.split("\n")[0] else ","))
    by_org = {row["organisation"]: row for row in rows}
    assert by_org["Kita Sonnenschein"]["entered_on_behalf"] == "paper"
    assert by_org["Grundschule"]["entered_on_behalf"] == ""
    readable = planner_client.get(f"/results/{world['survey']}/antworten.csv?variante=lesbar").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(readable.lstrip("\ufeff")),
                            delimiter=";" if ";" in readable.split("\n")[0] else ","))
    column = lines[0].index("Im Auftrag erfasst")
    marks = {line[lines[0].index("Einrichtung")]: line[column] for line in lines[1:]}
    assert re.fullmatch(r"Papierfragebogen \(Planner Test, \d\d\.\d\d\.\d{4} \d\d:\d\d\)", marks["Kita Sonnenschein"])
    assert marks["Grundschule"] == ""

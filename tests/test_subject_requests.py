"""A data subject's request, as an admin handles it in the browser's pages: find one person by name or
address across register, invitations, mails, bounce reports, contact-person answers and pseudonyms of
the own Kommune only; export what is held; delete it, keeping the organisation's answers; the person's
data then leaves the database file too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Actor, BounceOutcome, BounceReport, Invitation, OutboxMessage, Response
from survey.services import invitations
from survey.services import responses as response_service
from survey.services.actors import ActorData, save as save_actor

from factories import deliver, login, make_survey, make_user
from test_respond import text_of

PERSON, ADDRESS = "Eva Meier", "eva.meier@kita-sonne.example"
ELSEWHERE = "eva.meier@wuppertal-kita.example"  # the same name in the other Kommune


def _world(app, kommune: str, address: str = ADDRESS) -> dict:
    """A Kommune whose register, invitation, mails, answer and a bounce report name Eva Meier."""
    admin_id, admin_email = make_user(app, "admin", kommune=kommune)
    with app.app_context():
        survey = make_survey(admin_id, keys=["netzwerk.wirkungskreis", "akteur.ansprechperson"],
                             title=f"Netzwerke {kommune}")
        kommune_row = survey.kommune
        actor = save_actor(kommune_row, ActorData(name="Kita Sonne", email=address, contact_name=PERSON))
        invitation, _token = invitations.invite(survey, address, actor=actor, organisation="Kita Sonne",
                                                contact_name=PERSON)
        other, _ = invitations.invite(survey, "jonas@treff.example", organisation="Jugendtreff",
                                      contact_name="Jonas Treff")
        response = response_service.start(invitation)
        response.draft = {"netzwerk.wirkungskreis": ["stadtteil"], "akteur.ansprechperson": [f"{PERSON}, Leitung"]}
        assert response_service.submit(response) == {}
        db.session.add(BounceReport(outcome=BounceOutcome.UNCLEAR, subject="Unzustellbar", recipient=address,
                                    kommune_id=kommune_row.id, invitation_id=invitation.id, raw=f"An {address}"))
        db.session.commit()
        ids = {"response": response.id, "invitation": invitation.id, "other": other.id, "actor": actor.id}
    deliver(app)
    return {"admin": admin_email, "ids": ids}


@pytest.fixture
def two(app):
    return _world(app, "Kreis Düren"), _world(app, "Stadt Wuppertal", ELSEWHERE)


def _post(client, **data):
    return client.post("/admin/auskunft", data=data)


def test_an_admin_finds_exports_and_deletes_one_person_in_the_own_kommune_only(app, two, inbox):
    ours, theirs = two
    admin = login(app.test_client(), ours["admin"])
    page = text_of(_post(admin, term="MEIER", action="search"))  # a part of the name, in other letter case
    for where in ("Akteursverzeichnis", "Einladungen", "E-Mails", "Rückläufer", "Antworten zur Ansprechperson"):
        assert where in page, where
    assert "Netzwerke Kreis Düren" in page and "Netzwerke Stadt Wuppertal" not in page

    export = _post(admin, term=ADDRESS, action="export")  # the address finds what names only the person, too
    assert export.status_code == 200 and export.mimetype == "application/json"
    assert export.headers["Content-Disposition"].startswith('attachment; filename="auskunft-')
    held = json.loads(export.get_data(as_text=True))
    assert held["Akteursverzeichnis"][0]["Ansprechperson"] == PERSON
    assert held["Einladungen"][0]["E-Mail"] == ADDRESS and len(held["Einladungen"]) == 1
    assert held["Antworten zur Ansprechperson"][0]["Angaben"] == {"akteur.ansprechperson": f"{PERSON}, Leitung"}
    assert held["Pseudonyme (Prüfsummen der Adresse)"] >= 0 and held["E-Mails"]
    assert "/r/" not in export.get_data(as_text=True).replace("/r/{", "")  # no personal link in the export

    refused = _post(admin, term="Meier", action="erase")
    assert refused.status_code == 422 and "Bitte bestätigen Sie das Löschen" in text_of(refused)
    done = _post(admin, term="Meier", action="erase", confirm="y")
    assert "Gelöscht bzw. unkenntlich gemacht: 1 Einträge im Akteursverzeichnis, 1 Einladungen" in text_of(done)
    assert "Zu „Meier“ ist nichts gespeichert." in text_of(_post(admin, term="Meier", action="search"))
    with app.app_context():
        kept = db.session.get(Response, ours["ids"]["response"])
        assert kept.answers == {"netzwerk.wirkungskreis": "stadtteil"}  # the organisation's answer stays
        invitation = db.session.get(Invitation, ours["ids"]["invitation"])
        assert (invitation.email, invitation.contact_name, invitation.organisation) == ("", "", "Kita Sonne")
        assert db.session.get(Invitation, ours["ids"]["other"]).contact_name == "Jonas Treff"
        assert db.session.get(Actor, ours["ids"]["actor"]).name == "Kita Sonne"
        # the other Kommune still holds its own copy of the same person
        theirs_invitation = db.session.get(Invitation, theirs["ids"]["invitation"])
        assert (theirs_invitation.email, theirs_invitation.contact_name) == (ELSEWHERE, PERSON)
        assert db.session.get(Response, theirs["ids"]["response"]).answers["akteur.ansprechperson"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.recipient == ELSEWHERE)) >= 1
    other_admin = login(app.test_client(), theirs["admin"])
    assert "Kita Sonne" in text_of(_post(other_admin, term="Meier", action="search"))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):  # the erased address is gone from the file and its log; theirs is there
        path = Path(url.removeprefix("sqlite:///"))
        stored = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        assert ELSEWHERE.encode() in stored and ADDRESS.encode() not in stored


def test_a_short_term_is_refused_in_german_and_kept(app, two):
    ours, _theirs = two
    admin = login(app.test_client(), ours["admin"])
    response = _post(admin, term="Me", action="search")
    assert response.status_code == 422
    assert "mindestens 3 Zeichen" in text_of(response) and 'value="Me"' in response.get_data(as_text=True)


def test_planners_and_analysts_may_not_search_people(app, two):
    ours, _theirs = two
    for role in ("planner", "analyst"):
        _user_id, email = make_user(app, role, kommune="Kreis Düren", email=f"{role}@kreis-dueren.example")
        client = login(app.test_client(), email)
        assert client.get("/admin/auskunft").status_code == 403
        assert _post(client, term="Meier", action="export").status_code == 403

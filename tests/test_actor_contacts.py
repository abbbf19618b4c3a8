"""Several contact persons per organisation in the register: a main one (invitations go there) with
her function, further ones added, removed or made the main one; kept through export, import and
merging; found and erased on a data subject's request; cleared with the register contact's retention."""

from __future__ import annotations

import csv
import io
import json
import re

import sqlalchemy as sa

from factories import login, make_survey, make_user
from survey.extensions import db
from survey.models import Actor, ActorContact, AuditEntry, Delegation, Invitation
from survey.services import actors as actor_service
from survey.services import invitations, retention
from test_respond import text_of


def _actor(app, planner) -> int:
    with app.app_context():
        from survey.models import User

        kommune = db.session.get(User, planner[0]).kommune
        actor = actor_service.save(kommune, actor_service.ActorData(
            name="Familienzentrum Nord", contact_name="Ute Leitung", contact_role="Leitung",
            email="leitung@fz-nord.example"))
        db.session.commit()
        return actor.id


def test_a_planner_adds_further_contacts_and_makes_one_the_main_contact(app, planner, planner_client):
    actor_id = _actor(app, planner)
    page = text_of(planner_client.get(f"/actors/{actor_id}"))
    assert "Ute Leitung (Hauptansprechperson)" in re.sub(r"<[^>]+>", "", page) and "Leitung" in page
    added = planner_client.post(f"/actors/{actor_id}/kontakte", data={
        "name": "Mia Vertretung", "role": "Stellvertretung", "email": "Mia@FZ-Nord.example", "phone": "0202 1"})
    assert added.status_code == 302
    page = text_of(planner_client.get(f"/actors/{actor_id}"))
    assert "Mia Vertretung" in page and "mia@fz-nord.example" in page and "Stellvertretung" in page
    with app.app_context():
        contact_id = db.session.scalar(sa.select(ActorContact.id))
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "actor.changed"))
    assert planner_client.post(f"/actors/{actor_id}/kontakte/{contact_id}/hauptkontakt").status_code == 302
    with app.app_context():
        actor = db.session.get(Actor, actor_id)
        assert (actor.contact_name, actor.contact_role, actor.email) == ("Mia Vertretung", "Stellvertretung",
                                                                         "mia@fz-nord.example")
        assert [(c.name, c.email) for c in actor.contacts] == [("Ute Leitung", "leitung@fz-nord.example")]
        # invitations from the register go to the main contact
        survey = make_survey(planner[0])
        invited, _problems = invitations.invite_actors(survey, [actor_id])
        assert invited[0].email == "mia@fz-nord.example"
        db.session.commit()
    assert planner_client.post(f"/actors/{actor_id}/kontakte/{contact_id}/entfernen").status_code == 302
    with app.app_context():
        assert db.session.get(Actor, actor_id).contacts == []


def test_a_bad_contact_is_refused_in_german_and_kept(app, planner, planner_client):
    actor_id = _actor(app, planner)
    bad = planner_client.post(f"/actors/{actor_id}/kontakte", data={"name": "Mia", "role": "Kasse",
                                                                     "email": "mia@fz-nord"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "keine gültige E-Mail-Adresse" in text_of(bad)
    assert 'value="mia@fz-nord"' in page and 'value="Kasse"' in page and 'value="Mia"' in page
    twice = planner_client.post(f"/actors/{actor_id}/kontakte", data={"email": "leitung@fz-nord.example"})
    assert twice.status_code == 422 and "steht bei dieser Organisation schon" in text_of(twice)
    empty = planner_client.post(f"/actors/{actor_id}/kontakte", data={"name": " ", "email": ""})
    assert empty.status_code == 422 and "Namen oder eine E-Mail-Adresse" in text_of(empty)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActorContact)) == 0


def test_export_lists_the_contacts_and_reimporting_it_changes_nothing(app, planner, planner_client):
    actor_id = _actor(app, planner)
    planner_client.post(f"/actors/{actor_id}/kontakte", data={"name": "Mia Vertretung", "role": "Stellvertretung",
                                                               "email": "mia@fz-nord.example"})
    body = planner_client.get("/actors/export.csv").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[-1] == "Weitere Ansprechpersonen" and "Funktion" in header
    assert rows[1][header.index("Funktion")] == "Leitung"
    assert rows[1][-1] == "Mia Vertretung (Stellvertretung) <mia@fz-nord.example>"
    preview = planner_client.post("/actors/import", data={"file": (io.BytesIO(body), "akteure.csv")},
                                  content_type="multipart/form-data")
    assert preview.status_code == 200 and "Unverändert" in text_of(preview)
    changed = body.decode("utf-8-sig").replace(";Leitung;", ";Geschäftsführung;")
    rows_json = json.dumps(list(csv.reader(io.StringIO(changed), delimiter=";")))
    assert planner_client.post("/actors/import", data={"rows": rows_json, "action": "apply"}).status_code == 302
    with app.app_context():
        actor = db.session.get(Actor, actor_id)
        assert actor.contact_role == "Geschäftsführung" and [c.name for c in actor.contacts] == ["Mia Vertretung"]


def test_merging_duplicates_keeps_every_contact_person(app, planner, planner_client):
    actor_id = _actor(app, planner)
    with app.app_context():
        from survey.models import User

        kommune = db.session.get(User, planner[0]).kommune
        other = actor_service.save(kommune, actor_service.ActorData(
            name="Familienzentrum Nord e. V.", contact_name="Bea Büro", email="buero@fz-nord.example"))
        other.contacts.append(ActorContact(name="Kai Kasse", email="kasse@fz-nord.example"))
        db.session.commit()
        other_id = other.id
    planner_client.post("/actors/duplicates",
                        data={"keep": actor_id, "member": [actor_id, other_id], "bestaetigt": "1"})
    with app.app_context():
        actor = db.session.get(Actor, actor_id)
        assert actor.email == "leitung@fz-nord.example"
        assert sorted(c.name for c in actor.contacts) == ["Bea Büro", "Kai Kasse"]


def test_a_subject_request_finds_and_erases_further_contacts_and_delegations(app, planner, client):
    admin_id, admin_email = make_user(app, "admin")
    actor_id = _actor(app, planner)
    with app.app_context():
        actor = db.session.get(Actor, actor_id)
        actor.contacts.append(ActorContact(name="Mia Vertretung", email="mia@fz-nord.example"))
        survey = make_survey(admin_id)
        _invitation, token = invitations.invite(survey, "info@fz-nord.example", organisation="Familienzentrum Nord")
        db.session.commit()
    client.post(f"/r/{token}/weitergeben", data={"name": "Mia Vertretung", "email": "mia@fz-nord.example",
                                                  "note": "Mia, bitte übernimm"})
    admin = login(app.test_client(), admin_email)
    found = text_of(admin.post("/admin/auskunft", data={"term": "Mia Vertretung", "action": "search"}))
    assert "Weitere Ansprechpersonen" in found and "Weitergaben von Einladungen" in found
    held = json.loads(admin.post("/admin/auskunft", data={"term": "mia@fz-nord.example", "action": "export"})
                      .get_data(as_text=True))
    assert held["Weitere Ansprechpersonen im Akteursverzeichnis"][0]["Name"] == "Mia Vertretung"
    assert held["Weitergaben von Einladungen"][0]["Nachricht"] == "Mia, bitte übernimm"
    done = admin.post("/admin/auskunft", data={"term": "Mia Vertretung", "action": "erase", "confirm": "y"})
    assert "1 weitere Ansprechpersonen, 1 Weitergaben" in text_of(done)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActorContact)) == 0
        delegation = db.session.scalar(sa.select(Delegation))
        assert (delegation.to_name, delegation.to_email, delegation.note) == ("", "", "")
        assert delegation.from_email == "info@fz-nord.example"  # the other person's side stays
        assert db.session.scalar(sa.select(Invitation)).organisation == "Familienzentrum Nord"


def test_retention_clears_further_contacts_and_the_history_of_a_closed_survey(app, planner, client):
    import datetime as dt

    from survey.services import surveys

    actor_id = _actor(app, planner)
    with app.app_context():
        actor = db.session.get(Actor, actor_id)
        actor.contacts.append(ActorContact(name="Mia Vertretung"))
        survey = make_survey(planner[0])
        _invitation, token = invitations.invite(survey, "info@fz-nord.example", organisation="Familienzentrum Nord")
        db.session.commit()
        survey_id = survey.id
    client.post(f"/r/{token}/weitergeben", data={"name": "Mia Vertretung", "email": "mia@fz-nord.example"})
    with app.app_context():
        from survey.models import Survey

        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
        retention.purge(now=dt.datetime.now(dt.UTC) + retention.period() + dt.timedelta(days=1))
        db.session.commit()
        actor = db.session.get(Actor, actor_id)
        assert actor.name == "Familienzentrum Nord" and actor.contacts == [] and actor.contact_role == ""
        delegation = db.session.scalar(sa.select(Delegation))
        assert (delegation.from_email, delegation.to_name, delegation.to_email) == ("", "", "")


def test_another_kommunes_planner_cannot_touch_the_contacts(app, planner, planner_client):
    actor_id = _actor(app, planner)
    planner_client.post(f"/actors/{actor_id}/kontakte", data={"name": "Mia Vertretung"})
    with app.app_context():
        contact_id = db.session.scalar(sa.select(ActorContact.id))
    _other_id, other_email = make_user(app, "planner", kommune="Kreis Anderswo", email="p@anderswo.example")
    other = login(app.test_client(), other_email)
    assert other.post(f"/actors/{actor_id}/kontakte", data={"name": "Eindringling"}).status_code == 404
    assert other.post(f"/actors/{actor_id}/kontakte/{contact_id}/entfernen").status_code == 404
    assert other.post(f"/actors/{actor_id}/kontakte/{contact_id}/hauptkontakt").status_code == 404
    with app.app_context():
        assert [c.name for c in db.session.get(Actor, actor_id).contacts] == ["Mia Vertretung"]


def test_the_register_list_finds_an_organisation_by_a_further_contact(app, planner, planner_client):
    actor_id = _actor(app, planner)
    planner_client.post(f"/actors/{actor_id}/kontakte", data={"name": "Mia Vertretung", "email": "mia@fz-nord.example"})
    listed = text_of(planner_client.get("/actors?search=vertretung"))
    assert "Familienzentrum Nord" in listed and "+ 1 weitere Ansprechperson" in listed
    assert "Familienzentrum Nord" not in text_of(planner_client.get("/actors?search=niemand"))

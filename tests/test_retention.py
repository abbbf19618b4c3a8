"""Retention of contact data: a closed survey's contact persons' names and addresses go after
CONTACT_RETENTION_DAYS (answers stay), reopening restarts the clock, register contacts without a
confirmation go too; the planner can delete at once; the job worker does it daily and logs counts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import make_survey
from survey.extensions import db
from survey.models import Actor, Invitation, OutboxMessage, Response, Survey, SurveyState, User
from survey.services import actors as actor_service
from survey.services import invitations, retention
from survey.services import responses as response_service
from survey.services import surveys as survey_service
from survey.services.delivery import MailboxSender

ROOT = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
PERIOD = 183 * DAY


def _answered_survey(planner_id: int, title: str = "Netzwerke 2026") -> Survey:
    """An open survey with two invitations (contact persons named), one of them answered and submitted."""
    survey = make_survey(planner_id, title=title)
    first, _token = invitations.invite(survey, "kerstin@kita.example", organisation="Kita Sonnenschein",
                                       contact_name="Kerstin Kita")
    invitations.invite(survey, "jonas@treff.example", organisation="Jugendtreff", contact_name="Jonas Treff")
    response = response_service.start(first)
    response.draft = {"netzwerk.wirkungskreis": ["stadtteil"]}
    assert response_service.submit(response) == {}
    db.session.commit()
    return survey


def _contacts(survey: Survey) -> list[tuple[str, str]]:
    return [(i.email, i.contact_name) for i in db.session.scalars(
        sa.select(Invitation).where(Invitation.survey_id == survey.id).order_by(Invitation.id))]


def _mails(survey: Survey) -> list[OutboxMessage]:
    ids = sa.select(Invitation.id).where(Invitation.survey_id == survey.id)
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.invitation_id.in_(ids))))


def test_contacts_of_a_closed_survey_go_after_the_period_and_the_answers_stay(ctx, planner):
    survey = _answered_survey(planner[0])
    other = _answered_survey(planner[0], "Noch offen")  # an open survey keeps everything
    survey_service.close_survey(survey, now=T0)
    db.session.commit()
    mails = _mails(survey)
    assert mails and all(m.recipient and "Kerstin" in "".join(x.body_text for x in mails) for m in mails)
    assert all(db.session.scalars(sa.select(Invitation.token_sealed).where(Invitation.survey_id == survey.id)))

    assert retention.purge(now=T0 + PERIOD - dt.timedelta(minutes=1)).surveys == 0
    db.session.commit()
    assert ("kerstin@kita.example", "Kerstin Kita") in _contacts(survey)

    deleted = retention.purge(now=T0 + PERIOD)
    db.session.commit()
    db.session.expire_all()
    assert (deleted.surveys, deleted.invitations, deleted.mails) == (1, 2, len(mails))
    assert _contacts(survey) == [("", ""), ("", "")]
    sealed = db.session.scalars(sa.select(Invitation.token_sealed).where(Invitation.survey_id == survey.id)).all()
    assert sealed == [None, None]  # no more mail can reach the person, so no link is kept to send
    assert all(m.recipient == m.body_text == m.body_html == "" for m in _mails(survey))
    invitations = db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey.id))
    organisations = {i.organisation for i in invitations}
    assert organisations == {"Kita Sonnenschein", "Jugendtreff"}
    answers = db.session.scalars(sa.select(Response.answers).where(Response.survey_id == survey.id)).all()
    assert answers == [{"netzwerk.wirkungskreis": "stadtteil"}]
    assert db.session.get(Survey, survey.id).contacts_deleted_at == T0 + PERIOD
    assert ("kerstin@kita.example", "Kerstin Kita") in _contacts(other)
    assert retention.purge(now=T0 + 2 * PERIOD).surveys == 0  # done once


def test_reopening_a_survey_restarts_the_clock(ctx, planner):
    survey = _answered_survey(planner[0])
    survey_service.close_survey(survey, now=T0)
    # Opened again (by hand: the app has no "reopen" yet) and closed 100 days later.
    survey.state = SurveyState.OPEN
    survey_service.close_survey(survey, now=T0 + 100 * DAY)
    db.session.commit()
    assert retention.purge(now=T0 + PERIOD).surveys == 0
    assert retention.purge(now=T0 + 100 * DAY + PERIOD).surveys == 1
    db.session.commit()
    # Deleted, then opened again and a new organisation invited: the next closing starts a new period.
    survey.state = SurveyState.OPEN
    invitations.invite(survey, "neu@verein.example", organisation="Verein", contact_name="Nina Neu")
    survey_service.close_survey(survey, now=T0 + 400 * DAY)
    db.session.commit()
    assert retention.deletion_due(survey) == T0 + 400 * DAY + PERIOD
    assert retention.purge(now=T0 + 400 * DAY + PERIOD - DAY).surveys == 0
    assert retention.purge(now=T0 + 400 * DAY + PERIOD).invitations == 1
    db.session.commit()
    assert ("neu@verein.example", "Nina Neu") not in _contacts(survey)


def test_the_demo_mailbox_copies_of_the_surveys_mails_are_deleted(app, ctx, planner, tmp_path):
    survey = _answered_survey(planner[0])
    other = _answered_survey(planner[0], "Andere")
    folder = tmp_path / "mailbox"
    with MailboxSender(folder) as sender:
        for row in _mails(survey) + _mails(other):
            sender.send(row)
    kept = {f"{m.id:08d}.eml" for m in _mails(other)}
    survey_service.close_survey(survey, now=T0)
    db.session.commit()
    app.config["MAILBOX_DIR"], before = str(folder), app.config["MAILBOX_DIR"]
    try:
        deleted = retention.purge(now=T0 + PERIOD)
    finally:
        app.config["MAILBOX_DIR"] = before
    db.session.commit()
    assert deleted.mailbox_files == len(_mails(survey)) > 0
    assert {p.name for p in folder.iterdir()} == kept


def test_register_contacts_without_confirmation_are_cleared(ctx, planner):
    user = db.session.get(User, planner[0])
    data = actor_service.ActorData(name="Kita Sonnenschein", contact_name="Kerstin Kita", email="kerstin@kita.example",
                                   phone="0202 123")
    stale = actor_service.save(user.kommune, data)
    kept = actor_service.save(user.kommune, actor_service.ActorData(name="Jugendtreff", contact_name="Jonas Treff",
                                                                  email="jonas@treff.example"))
    stale.contact_confirmed_at = kept.contact_confirmed_at = T0
    db.session.commit()
    retention.confirm_contact(kept, now=T0 + 100 * DAY)
    assert retention.confirmation_due(kept) == T0 + 100 * DAY + PERIOD
    deleted = retention.purge(now=T0 + PERIOD)
    db.session.commit()
    assert deleted.actors == 1
    assert (stale.name, stale.contact_name, stale.email, stale.phone, stale.active) == ("Kita Sonnenschein", "", "", "",
                                                                                        True)
    assert (kept.contact_name, kept.email) == ("Jonas Treff", "jonas@treff.example")
    assert retention.confirmation_due(stale) is None


def test_saving_an_actor_confirms_its_contact(ctx, planner):
    user = db.session.get(User, planner[0])
    actor = actor_service.save(user.kommune, actor_service.ActorData(name="Verein", contact_name="Nina",
                                                                   email="nina@verein.example"))
    actor.contact_confirmed_at = T0
    db.session.commit()
    actor_service.save(user.kommune, actor_service.ActorData(name="Verein", contact_name="Nina",
                                                          email="nina@verein.example"), actor)
    assert actor.contact_confirmed_at > T0


def test_a_planner_deletes_a_closed_surveys_contacts_at_once(app, planner, planner_client):
    with app.app_context():
        survey_id = _answered_survey(planner[0]).id
    refused = planner_client.get(f"/surveys/{survey_id}/kontaktdaten-loeschen", follow_redirects=True)
    assert "nur bei einer abgeschlossenen Befragung" in refused.get_data(as_text=True)
    planner_client.post(f"/surveys/{survey_id}/close")
    detail = planner_client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Kontaktdaten jetzt löschen" in detail and "183 Tage nach dem Abschluss" in detail
    page = planner_client.get(f"/surveys/{survey_id}/kontaktdaten-loeschen").get_data(as_text=True)
    assert "nicht rückgängig" in page and "Kontaktdaten jetzt endgültig löschen" in page
    with app.app_context():
        assert ("kerstin@kita.example", "Kerstin Kita") in _contacts(db.session.get(Survey, survey_id))
    done = planner_client.post(f"/surveys/{survey_id}/kontaktdaten-loeschen",
                               follow_redirects=True).get_data(as_text=True)
    assert "Die Kontaktdaten sind gelöscht" in done and "Die Antworten bleiben erhalten" in done
    assert "wurden am" in done and "gelöscht" in done
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert _contacts(survey) == [("", ""), ("", "")]
        assert db.session.scalar(sa.select(sa.func.count(Response.id)).where(Response.survey_id == survey_id)) == 1
    again = planner_client.get(f"/surveys/{survey_id}/kontaktdaten-loeschen", follow_redirects=True)
    assert "bereits gelöscht" in again.get_data(as_text=True)


def test_the_privacy_notice_states_the_period(app, ctx, planner):
    kommune = db.session.get(User, planner[0]).kommune
    assert "löschen wir 183 Tage (etwa sechs Monate) nach Ende der Befragung" in kommune.privacy_default
    app.config["CONTACT_RETENTION_DAYS"] = 90
    try:
        assert "löschen wir 90 Tage (etwa drei Monate) nach Ende" in kommune.privacy_default
    finally:
        app.config["CONTACT_RETENTION_DAYS"] = 183
    assert retention.period_text(1000) == "1.000 Tage"


def test_a_follow_up_wave_skips_organisations_whose_address_was_deleted(ctx, planner):
    from survey.services import waves

    survey = _answered_survey(planner[0])
    survey_service.close_survey(survey, now=T0)
    retention.delete_survey_contacts(survey, now=T0)
    plan = waves.invitation_plan(survey)
    assert plan.planned == []
    assert all("keine Adresse mehr" in reason for reason in plan.skipped) and len(plan.skipped) == 2


def test_the_job_worker_deletes_due_contacts_once_a_day_and_logs_counts_not_names(app, planner):
    with app.app_context():
        survey = _answered_survey(planner[0])
        # Closed 200 days ago (real time: the worker process runs on its own clock).
        survey_service.close_survey(survey, now=dt.datetime.now(dt.UTC) - 200 * DAY)
        db.session.commit()
        survey_id = survey.id
        db.session.remove()
    env = {**os.environ, "LUECKENLOS_INSTANCE": app.instance_path, "SECRET_KEY": "test-only-secret",
           "LINK_KEYS": app.config["LINK_KEYS"], "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PYTHONUNBUFFERED": "1"}
    env.pop("LUECKENLOS_DEMO", None)
    env.pop("MAIL_SERVER", None)
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", "jobs", "run", "--kind",
                          "retention.contacts"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Aufgaben ausgeführt: 1" in run.stdout
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("logger") == "survey.services.retention"]
    assert logged and logged[0]["retention"]["surveys"] == 1 and logged[0]["retention"]["invitations"] == 2
    assert "kerstin" not in run.stderr.lower() and "Kerstin" not in run.stdout
    with app.app_context():
        assert _contacts(db.session.get(Survey, survey_id)) == [("", ""), ("", "")]
        # The daily slot is one job row: a second pass the same day runs nothing.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("job"))
                                 .where(sa.text("kind = 'retention.contacts'"))) == 1
    again = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", "jobs", "run", "--kind",
                            "retention.contacts"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "Aufgaben ausgeführt: 0" in again.stdout


def test_a_planner_confirms_a_register_contact_from_the_list(app, planner, planner_client):
    with app.app_context():
        user = db.session.get(User, planner[0])
        actor = actor_service.save(user.kommune,
                                   actor_service.ActorData(name="Kita Sonnenschein", contact_name="Kerstin Kita",
                                                                       email="kerstin@kita.example"))
        actor.contact_confirmed_at = T0
        db.session.commit()
        actor_id = actor.id
    listing = planner_client.get("/actors").get_data(as_text=True)
    assert "zuletzt bestätigt 01.06.2026" in listing and "gelöscht ohne Bestätigung am 01.12.2026" in listing
    done = planner_client.post(f"/actors/{actor_id}/kontakt-bestaetigen", data={"next": "/actors?search=Kita"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/actors?search=Kita")
    page = planner_client.get("/actors?search=Kita").get_data(as_text=True)
    assert "Die Ansprechperson von „Kita Sonnenschein“ ist bestätigt." in page
    with app.app_context():
        assert db.session.get(Actor, actor_id).contact_confirmed_at > T0
    assert planner_client.post("/actors/999999/kontakt-bestaetigen").status_code == 404


def test_after_deletion_organisations_without_address_keep_distinct_codes_and_no_address_digest(ctx, planner):
    # Analysts' codes were keyed by the address where there is no register entry: once the address
    # is deleted, each invitation stands for itself (never one code for all) and no digest stays.
    from survey.models import Pseudonym
    from survey.services.results import dataset as results_dataset
    survey = _answered_survey(planner[0])
    second = db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey.id,
                                                            Invitation.organisation == "Jugendtreff")).one()
    response = response_service.start(second)
    response.draft = {"netzwerk.wirkungskreis": ["stadtteil"]}
    assert response_service.submit(response) == {}
    db.session.commit()

    def codes() -> list[str]:
        return [r.organisation for r in results_dataset.build_dataset(survey, contacts=False).responses]

    before = codes()
    assert len(set(before)) == 2
    assert db.session.scalars(sa.select(Pseudonym.subject).where(Pseudonym.subject.like("m%"))).all()
    survey_service.close_survey(survey, now=T0)
    retention.delete_survey_contacts(survey, now=T0)
    db.session.commit()
    after = codes()
    assert len(set(after)) == 2 and all(code.startswith("E-") for code in after)
    assert db.session.scalars(sa.select(Pseudonym.subject).where(Pseudonym.subject.like("m%"))).all() == []


def test_deleted_contacts_leave_the_database_file_and_its_log(app, ctx, planner):
    # A copy of the SQLite file and its -wal taken after the deletion holds none of the names.
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("the embedded database's files; PostgreSQL keeps old row versions until VACUUM")
    path = Path(url.removeprefix("sqlite:///"))
    survey = _answered_survey(planner[0])
    survey_service.close_survey(survey, now=T0)
    db.session.commit()

    def stored() -> bytes:
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())

    assert b"Kerstin Kita" in stored()
    retention.delete_survey_contacts(survey, now=T0)
    db.session.commit()
    assert b"Kerstin Kita" not in stored() and b"kerstin@kita.example" not in stored()


def test_the_contact_persons_answer_goes_with_the_contact_data_and_the_other_answers_stay(ctx, planner):
    survey = make_survey(planner[0], keys=["netzwerk.wirkungskreis", "akteur.ansprechperson"], title="Mit Kontakt")
    invitation, _token = invitations.invite(survey, "kita@example.org", organisation="Kita Regenbogen")
    response = response_service.start(invitation)
    response.draft = {"netzwerk.wirkungskreis": ["stadtteil"], "akteur.ansprechperson": ["Rita Regenbogen, Leitung"]}
    assert response_service.submit(response) == {}
    db.session.commit()
    assert db.session.get(Response, response.id).answers["akteur.ansprechperson"] == "Rita Regenbogen, Leitung"
    survey_service.close_survey(survey, now=T0)
    deleted = retention.delete_survey_contacts(survey, now=T0)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Response, response.id)
    assert deleted.answers == 1
    assert kept.answers == {"netzwerk.wirkungskreis": "stadtteil"}
    assert "Rita" not in json.dumps(kept.draft)

"""The guarded lifecycle: each confirmation page names counts and organisations and changes nothing
until confirmed; reopening with and without editing submitted answers; the survey closes itself at
24:00 Berlin on its deadline day (job kind with an injected clock); "Alle erinnern" skips recent
reminders; the archive; deleting asks twice and keeps the audit log."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from factories import deliver, invite, make_survey
from questionnaires import formatting as fmt
from survey.extensions import db
from survey.models import AuditEntry, Invitation, InvitationStatus, OutboxMessage, Response, Survey, SurveyState
from survey.services import audit, dashboard, jobs, lifecycle, responses
from survey.services import invitations as invitation_service
from survey.services import surveys as survey_service


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _open_survey(app, planner, deadline: dt.date | None = None, **invited: str) -> tuple[int, dict[str, str]]:
    """An open survey without required questions; `invited`: organisation -> address; returns id and tokens."""
    with app.app_context():
        survey = make_survey(planner[0], open_it=False)
        for item in survey.items:
            item.required = False
        survey.deadline = deadline
        survey_service.open_survey(survey)
        db.session.commit()
        tokens = {name: invite(survey, address, name) for name, address in invited.items()}
        return survey.id, tokens


def _state(app, survey_id: int) -> SurveyState:
    with app.app_context():
        return db.session.get(Survey, survey_id).state


def _submit(app, token: str) -> None:
    with app.app_context():
        response = responses.start(invitation_service.find_by_token(token))
        assert responses.submit(response) == {}
        db.session.commit()


def test_opening_is_refused_without_a_privacy_notice_and_warns_of_a_past_deadline(app, planner, planner_client):
    with app.app_context():
        survey = make_survey(planner[0], open_it=False)
        survey.privacy_notice = "  "
        survey.deadline = dt.date(2020, 3, 31)
        db.session.commit()
        survey_id = survey.id
    page = planner_client.get(f"/surveys/{survey_id}/open")
    text = _text(page)
    assert "noch keinen Hinweis zum Datenschutz" in text
    assert f'href="/surveys/{survey_id}/edit#privacy_notice"' in page.get_data(as_text=True)
    assert "Befragung öffnen </button>" not in text
    refused = _text(planner_client.post(f"/surveys/{survey_id}/open", follow_redirects=True))
    assert "noch keinen Hinweis zum Datenschutz" in refused and _state(app, survey_id) is SurveyState.DRAFT
    with app.app_context():
        db.session.get(Survey, survey_id).privacy_notice = "Nur die Planung sieht die Antworten."
        db.session.commit()
    text = _text(planner_client.get(f"/surveys/{survey_id}/open"))
    assert "Die Frist (31.03.2020) liegt in der Vergangenheit" in text
    assert "Die 3 Fragen auf 1 Seite sind danach eingefroren" in text
    assert "die Befragung wird deshalb nicht automatisch abgeschlossen" in text
    assert _state(app, survey_id) is SurveyState.DRAFT  # the page changed nothing
    # Saving the settings with a past deadline saves and warns.
    saved = _text(planner_client.post(f"/surveys/{survey_id}/edit", data={
        "title": "Netzwerke 2026", "privacy_notice": "Nur die Planung.", "deadline": "2021-01-15",
        "auto_close": "y"}, follow_redirects=True))
    assert "Die Angaben sind gespeichert" in saved and "Die Frist (15.01.2021) liegt in der Vergangenheit" in saved


def test_the_close_page_names_who_has_not_submitted_and_closing_keeps_their_drafts(app, planner, planner_client):
    survey_id, tokens = _open_survey(app, planner, **{"Kita Nord": "nord@traeger.example",
                                                      "Hort Süd": "sued@traeger.example",
                                                      "Verein Ost": "ost@traeger.example"})
    deliver(app)
    _submit(app, tokens["Kita Nord"])
    app.test_client().post(f"/r/{tokens['Hort Süd']}/seite/1", data={"netzwerk.fokus": "etwas", "action": "save"})
    text = _text(planner_client.get(f"/surveys/{survey_id}/abschliessen"))
    assert "1 Organisation hat abgeschickt" in text
    assert "1 Organisation hat angefangen, aber nicht abgeschickt" in text
    assert "Angefangen, nicht abgeschickt Hort Süd Soll eine davon" in text  # only her: Verein Ost saved nothing
    assert "1 Organisation hat noch nichts gespeichert" in text
    assert _state(app, survey_id) is SurveyState.OPEN
    planner_client.post(f"/surveys/{survey_id}/close")
    assert _state(app, survey_id) is SurveyState.CLOSED
    later = app.test_client().post(f"/r/{tokens['Hort Süd']}/seite/1",
                                   data={"netzwerk.fokus": "mehr", "action": "save"})
    assert later.status_code == 410 and "mehr" in later.get_data(as_text=True)  # shown to copy, not stored
    with app.app_context():
        draft = db.session.scalar(sa.select(Response.draft).join(Invitation)
                                  .where(Invitation.organisation == "Hort Süd"))
        assert draft["netzwerk.fokus"] == ["etwas"]


def test_reopening_asks_whether_submitted_answers_may_be_edited_again(app, planner, planner_client):
    survey_id, tokens = _open_survey(app, planner, **{"Kita Nord": "nord@traeger.example",
                                                      "Hort Süd": "sued@traeger.example"})
    deliver(app)
    _submit(app, tokens["Kita Nord"])
    planner_client.post(f"/surveys/{survey_id}/close")
    text = _text(planner_client.get(f"/surveys/{survey_id}/wieder-oeffnen"))
    assert "1 Organisation hat bereits abgeschickt" in text and "Abgeschickt haben: Kita Nord" in text
    assert "1 Organisation, die noch nichts gespeichert hat, kann wieder antworten" in text
    assert _state(app, survey_id) is SurveyState.CLOSED
    done = _text(planner_client.post(f"/surveys/{survey_id}/wieder-oeffnen", data={"abgeschickte": "bleiben"},
                                     follow_redirects=True))
    assert "wieder geöffnet" in done and "Abgeschickte Antworten bleiben abgeschickt" in done
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.status).where(Invitation.organisation == "Kita Nord")) \
            is InvitationStatus.SUBMITTED
    planner_client.post(f"/surveys/{survey_id}/close")
    planner_client.post(f"/surveys/{survey_id}/wieder-oeffnen", data={"abgeschickte": "bearbeiten"})
    assert _state(app, survey_id) is SurveyState.OPEN
    with app.app_context():
        response = db.session.scalar(sa.select(Response).join(Invitation).where(Invitation.organisation == "Kita Nord"))
        assert not response.is_submitted and response.invitation.status is InvitationStatus.IN_PROGRESS
        entries = db.session.scalars(sa.select(AuditEntry.description).where(AuditEntry.action == "survey.reopened")
                                       .order_by(AuditEntry.id))
        assert [e.split(";")[1].strip() for e in entries] == [
            "abgeschickte Antworten bleiben abgeschickt", "1 abgeschickte Antwort wieder zur Bearbeitung freigegeben"]


def test_reopening_after_the_deadline_needs_a_new_one(app, planner, planner_client):
    survey_id, _tokens = _open_survey(app, planner, deadline=dt.date(2099, 1, 1))
    planner_client.post(f"/surveys/{survey_id}/close")
    with app.app_context():
        db.session.get(Survey, survey_id).deadline = dt.date(2021, 5, 1)
        db.session.commit()
    page = _text(planner_client.get(f"/surveys/{survey_id}/wieder-oeffnen"))
    assert "Die bisherige Frist (01.05.2021) ist abgelaufen" in page
    refused = planner_client.post(f"/surveys/{survey_id}/wieder-oeffnen", data={"abgeschickte": "bleiben"})
    assert refused.status_code == 422 and "Bitte geben Sie eine neue Frist an" in _text(refused)
    assert _state(app, survey_id) is SurveyState.CLOSED
    new = fmt.local(dt.datetime.now(dt.UTC)).date() + dt.timedelta(days=14)
    planner_client.post(f"/surveys/{survey_id}/wieder-oeffnen", data={"abgeschickte": "bleiben",
                                                                     "frist": new.isoformat()})
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey.state is SurveyState.OPEN and survey.deadline == new


def test_a_survey_closes_itself_at_midnight_berlin_after_its_deadline_day(app, planner, monkeypatch):
    deadline = dt.date(2030, 3, 31)  # summer time starts that night: 24:00 Berlin is 22:00 UTC
    survey_id, tokens = _open_survey(app, planner, deadline=deadline, **{"Kita Nord": "nord@traeger.example"})
    other_id, _ = _open_survey(app, planner, deadline=deadline)
    late_id, _ = _open_survey(app, planner, deadline=dt.date(2020, 1, 1))  # opened after its deadline
    with app.app_context():
        db.session.get(Survey, other_id).auto_close = False
        db.session.get(Survey, survey_id).opened_at = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
        db.session.get(Survey, other_id).opened_at = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
        db.session.commit()
    app.test_client().post(f"/r/{tokens['Kita Nord']}/seite/1", data={"netzwerk.fokus": "halb", "action": "save"})
    kind = jobs.KINDS["surveys.auto_close"]
    assert kind.interval == dt.timedelta(minutes=5)

    def run_at(moment: dt.datetime) -> None:
        monkeypatch.setattr(jobs, "now", lambda: moment)
        with app.app_context():
            job = jobs.enqueue(kind.name, moment.isoformat())
            kind.run(job)
            db.session.commit()

    run_at(dt.datetime(2030, 3, 31, 21, 59, tzinfo=dt.UTC))  # 23:59 in Berlin
    assert _state(app, survey_id) is SurveyState.OPEN
    run_at(dt.datetime(2030, 3, 31, 22, 0, tzinfo=dt.UTC))
    assert _state(app, survey_id) is SurveyState.CLOSED
    assert _state(app, other_id) is SurveyState.OPEN and _state(app, late_id) is SurveyState.OPEN
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey.closed_at == dt.datetime(2030, 3, 31, 22, 0, tzinfo=dt.UTC)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "survey.closed",
                                                              AuditEntry.survey_id == survey_id))
        assert entry.actor_label == audit.SYSTEM_ACTING.label and entry.actor_id is None
        assert "automatisch beendet: die Frist (31.03.2030) ist abgelaufen" in entry.description
    saved = app.test_client().post(f"/r/{tokens['Kita Nord']}/seite/1", data={"netzwerk.fokus": "fertig",
                                                                           "action": "save"})
    assert saved.status_code == 410 and "fertig" in saved.get_data(as_text=True)


def test_the_dashboard_says_two_days_before_that_a_survey_will_close_itself(app, planner, planner_client):
    today = fmt.local(dt.datetime.now(dt.UTC)).date()
    soon_id, _ = _open_survey(app, planner, deadline=today + dt.timedelta(days=2))
    later_id, _ = _open_survey(app, planner, deadline=today + dt.timedelta(days=3))
    text = _text(planner_client.get("/uebersicht"))
    assert f"wird am {fmt.date(today + dt.timedelta(days=2))} um 24:00 Uhr automatisch abgeschlossen" in text
    assert fmt.date(today + dt.timedelta(days=3)) + " um 24:00" not in text
    with app.app_context():
        rows = {row.survey.id: row for row in dashboard.dashboard(db.session.get(Survey, soon_id).kommune_id)}
        assert rows[soon_id].closing is not None and rows[later_id].closing is None


def test_remind_all_skips_whoever_was_reminded_in_the_last_seven_days(app, planner, planner_client):
    survey_id, _tokens = _open_survey(app, planner, **{"Kita Nord": "nord@traeger.example",
                                                       "Hort Süd": "sued@traeger.example",
                                                       "Verein Ost": "ost@traeger.example"})
    deliver(app)
    reminded = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with app.app_context():
        hort = db.session.scalar(sa.select(Invitation).where(Invitation.organisation == "Hort Süd"))
        hort.reminded_at = reminded
        db.session.get(Invitation, hort.id).reminder_count = 1
        db.session.commit()
    text = _text(planner_client.get(f"/surveys/{survey_id}/invitations/alle-erinnern"))
    assert "2 Organisationen werden erinnert, 1 übersprungen – in den letzten 7 Tagen schon erinnert" in text
    assert f"Hort Süd {fmt.datetime(reminded)}" in text
    with app.app_context():
        assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    done = _text(planner_client.post(f"/surveys/{survey_id}/invitations/remind", data={"mode": "all", "tage": "7"},
                                     follow_redirects=True))
    assert "2 Erinnerungen werden jetzt verschickt. 1 Organisation wurde übersprungen" in done
    # A reminder still in the outbox counts too: a second click reminds nobody again.
    again = _text(planner_client.get(f"/surveys/{survey_id}/invitations/alle-erinnern"))
    assert "0 Organisationen werden erinnert, 3 übersprungen" in again
    shorter = _text(planner_client.get(f"/surveys/{survey_id}/invitations/alle-erinnern?tage=1"))
    assert "1 Organisation wird erinnert, 2 übersprungen" in shorter


def test_an_archived_survey_leaves_the_lists_and_comes_back(app, planner, planner_client):
    survey_id, _ = _open_survey(app, planner)
    refused = _text(planner_client.post(f"/surveys/{survey_id}/archivieren", follow_redirects=True))
    assert "Nur eine abgeschlossene Befragung kann archiviert werden" in refused
    planner_client.post(f"/surveys/{survey_id}/close")
    archived = _text(planner_client.post(f"/surveys/{survey_id}/archivieren", follow_redirects=True))
    assert "„Netzwerke 2026“ ist im Archiv" in archived  # the archive page, with the message
    assert "Netzwerke 2026" not in _text(planner_client.get("/surveys/"))
    assert "Netzwerke 2026" not in _text(planner_client.get("/uebersicht"))
    assert "Archiv: 1 abgeschlossene Befragung" in _text(planner_client.get("/surveys/"))
    assert "Netzwerke 2026" in _text(planner_client.get("/surveys/archiv"))
    planner_client.post(f"/surveys/{survey_id}/aus-dem-archiv")
    assert "Netzwerke 2026" in _text(planner_client.get("/surveys/"))
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.survey_id == survey_id)).all()
        assert "survey.archived" in actions and "survey.unarchived" in actions


def test_deleting_asks_twice_says_what_goes_and_keeps_the_log(app, planner, planner_client):
    survey_id, tokens = _open_survey(app, planner, **{"Kita Nord": "nord@traeger.example",
                                                      "Hort Süd": "sued@traeger.example"})
    deliver(app)
    _submit(app, tokens["Kita Nord"])
    refused = _text(planner_client.get(f"/surveys/{survey_id}/loeschen"))
    assert "Eine offene Befragung kann nicht gelöscht werden" in refused
    planner_client.post(f"/surveys/{survey_id}/close")
    first = _text(planner_client.get(f"/surveys/{survey_id}/loeschen"))
    assert "2 Einladungen mit Adressen und Links" in first and "1 Antwort, davon 1 abgeschickt" in first
    assert "2 gespeicherte E-Mails" in first and "die Einträge im Protokoll" in first
    second = planner_client.get(f"/surveys/{survey_id}/loeschen/endgueltig")
    assert "den Titel der Befragung eingeben" in _text(second)
    wrong = planner_client.post(f"/surveys/{survey_id}/loeschen/endgueltig", data={"titel": "Netzwerke"})
    assert wrong.status_code == 422 and "stimmt nicht" in _text(wrong)
    assert _state(app, survey_id) is SurveyState.CLOSED
    planner_client.post(f"/surveys/{survey_id}/loeschen/endgueltig", data={"titel": " netzwerke  2026 "})
    with app.app_context():
        assert db.session.get(Survey, survey_id) is None
        for model in (Invitation, Response):
            assert not db.session.scalars(sa.select(model)).all()
        assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind != "account")).all()
        kept = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.survey_id == survey_id)).all()
        assert "survey.deleted" in kept and "survey.opened" in kept
    assert planner_client.get(f"/surveys/{survey_id}").status_code == 404


def test_a_survey_with_a_follow_up_wave_cannot_be_deleted(app, planner, planner_client):
    survey_id, _ = _open_survey(app, planner)
    planner_client.post(f"/surveys/{survey_id}/close")
    with app.app_context():
        source = db.session.get(Survey, survey_id)
        copy = survey_service.copy_survey(source, None, "Netzwerke 2027")
        copy.previous_id = source.id
        db.session.commit()
    text = _text(planner_client.get(f"/surveys/{survey_id}/loeschen"))
    assert "hat eine Folgebefragung, die auf sie verweist („Netzwerke 2027“)" in text
    assert planner_client.post(f"/surveys/{survey_id}/loeschen/endgueltig",
                               data={"titel": "Netzwerke 2026"}).status_code == 422
    assert _state(app, survey_id) is SurveyState.CLOSED


def test_closing_due_ignores_surveys_closed_by_hand_and_drafts(app, planner, ctx):
    survey = make_survey(planner[0], open_it=False)
    survey.deadline = dt.date(2030, 1, 1)
    db.session.commit()
    assert lifecycle.close_due(dt.datetime(2031, 1, 1, tzinfo=dt.UTC)) == []
    assert lifecycle.closes_at(dt.date(2030, 1, 1)) == dt.datetime(2030, 1, 1, 23, 0, tzinfo=dt.UTC)

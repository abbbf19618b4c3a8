"""A respondent declines from the welcome page ("Ich möchte nicht teilnehmen"): a confirmation page,
then "nimmt nicht teil" (the invitation state the planner's action also sets), no more reminders,
and the response rate counts the organisation as reached without answer."""

from __future__ import annotations

import sqlalchemy as sa

from factories import deliver, invite, make_survey
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, OutboxMessage, OutboxStatus, Survey
from survey.services import follow_up as follow_up_service
from survey.services import invitations
from test_respond import text_of


def _invited(app, planner, count: int = 2) -> tuple[int, list[str]]:
    with app.app_context():
        survey = make_survey(planner[0])
        tokens = [invite(survey, f"org{i}@traeger.example", f"Träger {i}") for i in range(count)]
        return survey.id, tokens


def test_declining_on_the_welcome_page_stops_reminders_and_counts_as_reached(app, planner, client, inbox):
    survey_id, tokens = _invited(app, planner)
    deliver(app)
    with app.app_context():
        follow_up_service.remind([invitations.find_by_token(tokens[0])])  # queued, not yet sent
        db.session.commit()
    welcome = client.get(f"/r/{tokens[0]}").get_data(as_text=True)
    assert f'href="/r/{tokens[0]}/absagen">Ich möchte nicht teilnehmen</a>' in welcome
    confirm = text_of(client.get(f"/r/{tokens[0]}/absagen"))
    assert "keine Erinnerungen mehr" in confirm and "Ihr Link gilt weiter" in confirm
    assert "Die Stadt Musterhausen sieht, dass Ihre Organisation nicht teilnimmt" in confirm
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation).where(Invitation.email == "org0@traeger.example")).status \
            is InvitationStatus.SENT  # looking at the page changes nothing
    done = client.post(f"/r/{tokens[0]}/absagen", data={"reason": "Wir haben keine Angebote."}, follow_redirects=True)
    assert "Vermerkt: Träger 0 nimmt nicht teil. Sie erhalten keine Erinnerungen mehr." in text_of(done)
    assert "Ich möchte nicht teilnehmen" not in text_of(done)
    with app.app_context():
        invitation = invitations.find_by_token(tokens[0])
        assert invitation.status is InvitationStatus.DECLINED
        assert "Wir haben keine Angebote." in invitation.declined_note
        reminder = db.session.scalar(sa.select(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "reminder"))
        assert reminder.status is OutboxStatus.CANCELLED
        survey = db.session.get(Survey, survey_id)
        assert follow_up_service.remind_not_submitted(survey) == 1  # only the other organisation
        counts = invitations.counts(survey)
        assert counts["declined"] == 1 and counts.invited == 2 and counts.rate == 0.0
        db.session.commit()
    inbox.clear()
    deliver(app)
    assert [m["To"] for m in inbox.messages] == ["org1@traeger.example"]
    # Coming back later: the page says so, and starting after all is still possible.
    again = text_of(client.get(f"/r/{tokens[0]}"))
    assert "ist vermerkt, dass sie nicht teilnimmt" in again and "Befragung beginnen" in again
    assert client.get(f"/r/{tokens[0]}/absagen").headers["Location"].endswith(f"/r/{tokens[0]}#abgesagt")
    client.post(f"/r/{tokens[0]}/start")
    with app.app_context():
        assert invitations.find_by_token(tokens[0]).status is InvitationStatus.OPENED


def test_a_too_long_reason_is_refused_in_german_and_kept(app, planner, client):
    _survey_id, tokens = _invited(app, planner, 1)
    reason = "Zu viel. " * 200
    refused = client.post(f"/r/{tokens[0]}/absagen", data={"reason": reason})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "höchstens 1.000 Zeichen" in text_of(refused) and reason.strip() in page
    with app.app_context():
        assert invitations.find_by_token(tokens[0]).status is not InvitationStatus.DECLINED


def test_who_has_answered_cannot_decline(app, planner, client):
    _survey_id, tokens = _invited(app, planner, 1)
    client.post(f"/r/{tokens[0]}/start")
    assert client.post(f"/r/{tokens[0]}/pruefen").status_code == 302
    assert client.post(f"/r/{tokens[0]}/absagen").headers["Location"].endswith("/fertig")
    with app.app_context():
        assert invitations.find_by_token(tokens[0]).status is InvitationStatus.SUBMITTED

"""Inviting through the pages: paste and check, fix inline, send; follow up; reminders; no N+1 on the list."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from factories import deliver, invite, login, make_survey, make_user, token_from_mail
from questionnaires import formatting as fmt
from survey.extensions import db
from survey.models import Actor, Invitation, InvitationStatus, OutboxMessage, OutboxStatus, Survey, User
from survey.services import follow_up as follow_up_service
from survey.services import invitations
from survey.services.tokens import hash_token

PASTE = """\"Müller, Anna\" <anna.mueller@caritas-dueren.de>; Kita Sonnenschein <kita@sonnenschein-dueren.de>
info@awo-dueren.de, INFO@AWO-Dueren.de
gesundheitsamt@kreis-dueren
Familienzentrum Regenbogen\tSabine Krüger\tsabine.krueger@fz-regenbogen.de
bereits@eingeladen.de
"""


def _survey(app, planner, **settings) -> int:
    with app.app_context():
        survey = make_survey(planner[0])
        for key, value in settings.items():
            setattr(survey, key, value)
        db.session.add(Actor(kommune_id=survey.kommune_id, name="Caritasverband Düren",
                             email="anna.mueller@caritas-dueren.de",
                             sector="soziales"))
        db.session.commit()
        invite(survey, "bereits@eingeladen.de", "Schon dabei")
        return survey.id


def test_paste_preview_shows_valid_invalid_duplicates_and_invited_before_sending(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    page = planner_client.post(f"/surveys/{survey_id}/invitations", data={"addresses": PASTE}).get_data(as_text=True)
    assert "7 Einträge erkannt" in page and "4 gültig" in page and "1 ungültig" in page
    assert "1 doppelt in der Liste" in page and "1 bereits eingeladen" in page
    assert "Caritasverband Düren" in page and "neu" in page  # register match or "neu"
    assert "Nach dem @ fehlt die Endung der Domain" in page
    assert 'value="gesundheitsamt@kreis-dueren"' in page  # kept as typed for fixing
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 1  # only the earlier invitation: nothing sent yet


def _rows(page: str) -> dict[str, str]:
    data = {"count": re.search(r'name="count" value="(\d+)"', page).group(1)}
    for name, value in re.findall(r'name="(row-\d+-(?:address|organisation|name))" value="([^"]*)"', page):
        data[name] = value.replace("&#34;", '"').replace("&amp;", "&")
    return data


def test_fixing_an_entry_inline_and_sending_invites_exactly_the_valid_ones(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    page = planner_client.post(f"/surveys/{survey_id}/invitations", data={"addresses": PASTE}).get_data(as_text=True)
    data = _rows(page)
    broken = next(k for k, v in data.items() if v == "gesundheitsamt@kreis-dueren")
    data[broken] = "gesundheitsamt@kreis-dueren.de"
    data[broken.replace("address", "organisation")] = "Gesundheitsamt Kreis Düren"
    checked = planner_client.post(f"/surveys/{survey_id}/invitations/check", data=dict(data, action="check"))
    assert "5 gültig" in checked.get_data(as_text=True) and "0 ungültig" in checked.get_data(as_text=True)
    sent = planner_client.post(f"/surveys/{survey_id}/invitations/check",
                               data=dict(data, action="send", add_to_register="1"))
    assert sent.status_code == 302
    assert deliver(app).sent == 6
    assert sorted(m["To"] for m in inbox.messages) == sorted([
        "anna.mueller@caritas-dueren.de", "kita@sonnenschein-dueren.de", "info@awo-dueren.de",
        "gesundheitsamt@kreis-dueren.de", "sabine.krueger@fz-regenbogen.de", "bereits@eingeladen.de"])
    with app.app_context():
        gesundheit = db.session.scalar(
            sa.select(Invitation).where(Invitation.email == "gesundheitsamt@kreis-dueren.de"))
        assert gesundheit.organisation == "Gesundheitsamt Kreis Düren" and gesundheit.actor_id  # added to the register
        awo = db.session.scalar(sa.select(Invitation).where(Invitation.email == "info@awo-dueren.de"))
        assert awo.actor_id is None and awo.organisation == ""  # no name, no register entry
        caritas = db.session.scalar(sa.select(Invitation).where(Invitation.email == "anna.mueller@caritas-dueren.de"))
        assert caritas.actor.name == "Caritasverband Düren" and caritas.contact_name == "Anna Müller"


def test_invalid_entries_stay_on_the_page_after_sending_the_rest(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    page = planner_client.post(f"/surveys/{survey_id}/invitations", data={"addresses": "a@traeger-a.de\nkaputt@\n"})
    response = planner_client.post(f"/surveys/{survey_id}/invitations/check",
                                   data=dict(_rows(page.get_data(as_text=True)),
                                                                                  action="send"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="kaputt@"' in text and "noch ungültig" in text
    assert deliver(app).sent == 2


def test_invite_from_register_by_filter(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        nord = survey.kommune.districts[0].code
        db.session.add_all([
            Actor(kommune_id=survey.kommune_id, name="Kita Nord", email="kita@nord.de", sector="kita",
                  districts=[nord]),
            Actor(kommune_id=survey.kommune_id, name="Kita Süd", email="kita@sued.de", sector="kita", districts=[]),
            Actor(kommune_id=survey.kommune_id, name="Sportverein", email="sv@nord.de", sector="sport",
                  districts=[nord]),
        ])
        db.session.commit()
    page = planner_client.get(
        f"/surveys/{survey_id}/invitations/register?sector=kita&district={nord}").get_data(as_text=True)
    assert "Kita Nord" in page and "Kita Süd" not in page and "Sportverein" not in page
    with app.app_context():
        actor_id = db.session.scalar(sa.select(Actor.id).where(Actor.name == "Kita Nord"))
    assert planner_client.post(f"/surveys/{survey_id}/invitations/register",
                               data={"actor": actor_id}).status_code == 302
    deliver(app)
    assert inbox.to("kita@nord.de")


def _submit(app, token: str) -> None:
    """Mark the invitation as submitted (the respondent side is tested in test_thin_path)."""
    with app.app_context():
        invitation = invitations.find_by_token(token)
        invitation.status = InvitationStatus.SUBMITTED
        invitation.submitted_at = invitation.created_at
        db.session.commit()


def test_reminders_reach_only_those_who_have_not_submitted_and_keep_the_link(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        tokens = [invite(survey, f"org{i}@traeger.de", f"Org {i}") for i in range(3)]
    deliver(app)
    _submit(app, tokens[0])
    inbox.clear()
    response = planner_client.post(f"/surveys/{survey_id}/invitations/remind", data={"mode": "all"})
    assert response.status_code == 302
    assert deliver(app).sent == 3  # org1, org2 and bereits@
    assert sorted(m["To"] for m in inbox.messages) == ["bereits@eingeladen.de", "org1@traeger.de", "org2@traeger.de"]
    [reminder] = inbox.to("org1@traeger.de")
    assert reminder["Subject"].startswith("Stadt Musterhausen: Erinnerung")  # the Kommune first
    assert token_from_mail(reminder.get_body(("plain",)).get_content()) == tokens[1]  # the same link
    with app.app_context():
        org1 = db.session.scalar(sa.select(Invitation).where(Invitation.email == "org1@traeger.de"))
        assert org1.reminder_count == 1 and org1.reminded_at


def test_reminder_is_cancelled_when_the_organisation_submits_before_delivery(app, planner, inbox):
    survey_id = _survey(app, planner)
    deliver(app)
    with app.app_context():
        follow_up_service.remind_not_submitted(db.session.get(Survey, survey_id))
        db.session.commit()
        invitation = db.session.scalar(sa.select(Invitation))
        invitation.status = InvitationStatus.SUBMITTED
        db.session.commit()
    inbox.clear()
    assert deliver(app).sent == 0 and not inbox.messages
    with app.app_context():
        reminder = db.session.scalar(sa.select(OutboxMessage.status).where(OutboxMessage.kind == "reminder"))
        assert reminder is OutboxStatus.CANCELLED


def test_scheduled_reminder_is_sent_once_n_days_before_the_deadline(app, planner, inbox, runner):
    deadline = dt.datetime.now(fmt.BERLIN).date() + dt.timedelta(days=3)
    survey_id = _survey(app, planner, deadline=deadline, remind_days_before=5)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        tokens = [invite(survey, f"org{i}@traeger.de") for i in range(2)]
    deliver(app)
    _submit(app, tokens[0])
    inbox.clear()
    result = runner.invoke(args=["mail", "send"])
    assert "geplante Erinnerungen: 2" in result.output
    assert sorted(m["To"] for m in inbox.messages) == ["bereits@eingeladen.de", "org1@traeger.de"]
    text = inbox.messages[0].get_body(("plain",)).get_content()
    assert "Bitte antworten Sie bis zum " + fmt.long_date(deadline) + "." in text
    runner.invoke(args=["mail", "send"])
    assert len(inbox.messages) == 2  # once only


def test_scheduled_reminder_waits_for_its_day(app, planner):
    deadline = dt.datetime.now(fmt.BERLIN).date() + dt.timedelta(days=10)
    survey_id = _survey(app, planner, deadline=deadline, remind_days_before=3)
    deliver(app)
    with app.app_context():
        assert follow_up_service.due_scheduled_reminders() == 0
        assert db.session.get(Survey, survey_id).scheduled_reminder_sent_at is None


def test_resend_with_new_link_invalidates_the_old_one(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    deliver(app)
    old = token_from_mail(inbox.messages[0].get_body(("plain",)).get_content())
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
    planner_client.post(f"/surveys/{survey_id}/invitations/{invitation_id}/resend", data={})
    deliver(app)
    assert token_from_mail(inbox.messages[1].get_body(("plain",)).get_content()) == old
    planner_client.post(f"/surveys/{survey_id}/invitations/{invitation_id}/resend", data={"new_link": "1"})
    deliver(app)
    new = token_from_mail(inbox.messages[2].get_body(("plain",)).get_content())
    assert new != old
    with app.app_context():
        assert invitations.find_by_token(old) is None and invitations.find_by_token(new).id == invitation_id
        assert db.session.get(Invitation, invitation_id).token_hash == hash_token(new)


def test_withdraw_stops_link_and_pending_mail(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
    planner_client.post(f"/surveys/{survey_id}/invitations/{invitation_id}/withdraw")
    assert deliver(app).sent == 0 and not inbox.messages
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.WITHDRAWN


def test_correct_address_sends_to_the_new_one_and_keeps_typed_input_on_error(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    inbox.refuse.add("bereits@eingeladen.de")
    deliver(app)
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.FAILED
    url = f"/surveys/{survey_id}/invitations/{invitation_id}/address"
    bad = planner_client.post(url, data={"address": "neu@eingeladen"})
    assert bad.status_code == 422 and 'value="neu@eingeladen"' in bad.get_data(as_text=True)
    assert planner_client.post(url, data={"address": "Neu@Eingeladen.de"}).status_code == 302
    assert deliver(app).sent == 1 and inbox.to("neu@eingeladen.de")


def test_invitation_texts_preview_for_a_real_recipient_and_unknown_placeholder_is_refused(app, planner, planner_client):
    survey_id = _survey(app, planner)
    url = f"/surveys/{survey_id}/invitations/text"
    page = planner_client.get(url).get_data(as_text=True)
    assert "Guten Tag" in page and "Schon dabei" in page and "Antwort an" in page
    bad = planner_client.post(url, data={"action": "save", "invitation_subject": "Hallo",
                                         "invitation_text": "Liebe {Vorname}, {Link}", "reminder_subject": "",
                                         "reminder_text": "", "remind_days_before": ""})
    text = bad.get_data(as_text=True)
    assert "Den Platzhalter {Vorname} gibt es nicht" in text and "Liebe {Vorname}, {Link}" in text
    good = planner_client.post(url, data={"action": "save", "invitation_subject": "Hallo {Organisation}",
                                          "invitation_text": "Liebe Leute von {Organisation}, hier: {Link}",
                                          "reminder_subject": "", "reminder_text": "", "remind_days_before": ""})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.get(Survey, survey_id).invitation_subject == "Hallo {Organisation}"


def test_invitation_list_counts_rate_filter_and_constant_query_count(app, planner, planner_client, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        tokens = [invite(survey, f"org{i}@traeger.de", f"Org {i}") for i in range(3)]
    deliver(app)
    _submit(app, tokens[0])
    page = planner_client.get(f"/surveys/{survey_id}/invitations").get_data(as_text=True)
    assert "Rücklaufquote <strong>25\u00a0%</strong>" in page
    filtered = planner_client.get(f"/surveys/{survey_id}/invitations?status=submitted").get_data(as_text=True)
    assert "Org 0" in filtered and "Org 1" not in filtered

    def count_queries(n_more: int) -> int:
        with app.app_context():
            survey = db.session.get(Survey, survey_id)
            for i in range(n_more):
                invite(survey, f"mehr{survey.id}-{i}-{n_more}@traeger.de", f"Mehr {i}")
        statements = []

        def listener(*args):
            statements.append(args[2])

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert planner_client.get(f"/surveys/{survey_id}/invitations").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert count_queries(1) == count_queries(15)


def test_other_kommune_cannot_see_or_act_on_invitations(app, planner, inbox):
    survey_id = _survey(app, planner)
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
    _id, email = make_user(app, "planner", kommune="Stadt Anderswo", email="p@anderswo.example")
    other = login(app.test_client(), email)
    assert other.get(f"/surveys/{survey_id}/invitations").status_code == 404
    assert other.post(f"/surveys/{survey_id}/invitations/{invitation_id}/withdraw").status_code == 404
    assert other.get(f"/surveys/{survey_id}/invitations/text").status_code == 404
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is not InvitationStatus.WITHDRAWN
        assert db.session.query(User).count() == 2

"""Bounces after acceptance: real mails through the SMTP server, their DSNs in a Maildir, the real
`flask mail bounces --maildir` command, and what the planner sees afterwards."""

from __future__ import annotations

import mailbox
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import deliver, invite, login, make_survey, make_user
from survey.extensions import db
from survey.models import BounceOutcome, BounceReport, Invitation, InvitationStatus, OutboxMessage
from survey.services import dsn

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
ADDRESS = "kita@traeger.example"


def _sent_invitation(app, planner, inbox, address: str = ADDRESS) -> tuple[int, int, str]:
    """Invite `address`, deliver through the real SMTP server; returns survey id, invitation id and the
    received mail (as bytes), whose Message-ID the bounce will carry back."""
    with app.app_context():
        survey = make_survey(planner[0])
        invite(survey, address, "Kita Sonnenschein")
        survey_id = survey.id
    assert deliver(app).sent == 1
    (received,) = inbox.to(address)
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == address))
        assert invitation.status is InvitationStatus.SENT
        return survey_id, invitation.id, received


def _bounce(name: str, received) -> bytes:
    text = (FIXTURES / name).read_text()
    recipient = str(received["To"])
    for placeholder, value in (("@@MESSAGE_ID@@", str(received["Message-ID"])),
                               ("@@RECIPIENT_UPPER@@", recipient.upper()), ("@@RECIPIENT@@", recipient),
                               ("@@SENDER@@", str(received["From"])), ("@@SUBJECT@@", "Einladung zur Befragung")):
        text = text.replace(placeholder, value)
    return text.encode()


def _maildir(tmp_path: Path, *messages: bytes) -> Path:
    path = tmp_path / "bounces"
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    box.close()
    return path


def _run(runner, path: Path, *extra: str):
    result = runner.invoke(args=["mail", "bounces", "--maildir", str(path), *extra])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fixture, reason", [
    ("postfix.eml", "Die Adresse gibt es beim Empfänger nicht (vertippt oder nicht mehr vergeben). "
                    "Meldung des Servers: 550 5.1.1"),
    ("exim.eml", "Das Postfach ist voll, gesperrt oder stillgelegt. Meldung des Servers: 550 5.2.1 Mailbox disabled"),
    ("exchange-m365.eml", "Die Adresse gibt es beim Empfänger nicht (vertippt oder nicht mehr vergeben). "
                          "Meldung des Servers: 550 5.1.10 RESOLVER.ADR.RecipientNotFound"),
    ("gmail.eml", "The email account that you tried to reach does not exist"),
])
def test_a_bounce_after_acceptance_makes_the_invitation_unzustellbar_with_the_servers_reason(
        app, planner, planner_client, inbox, runner, tmp_path, fixture, reason):
    survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    path = _maildir(tmp_path, _bounce(fixture, received))
    result = _run(runner, path)
    assert "unzustellbar: 1" in result.output and "unklar: 0" in result.output
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.status is InvitationStatus.BOUNCED
        assert reason in invitation.failed_reason and invitation.bounced_at is not None
    page = planner_client.get(f"/surveys/{survey_id}/invitations").get_data(as_text=True)
    assert "Unzustellbar" in page and reason in page
    listed = planner_client.get(f"/surveys/{survey_id}/invitations?status=bounced").get_data(as_text=True)
    assert "Kita Sonnenschein" in listed
    # processed messages leave the inbox but are kept in the subfolder
    box = mailbox.Maildir(path, create=False)
    assert len(box) == 0 and len(box.get_folder("Verarbeitet")) == 1


def test_a_delay_notice_changes_nothing_but_is_kept(app, planner, inbox, runner, tmp_path):
    _survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    result = _run(runner, _maildir(tmp_path, _bounce("postfix-delayed.eml", received)))
    assert "verzögert: 1" in result.output and "unzustellbar: 0" in result.output
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.SENT
        report = db.session.scalar(sa.select(BounceReport))
        assert report.outcome is BounceOutcome.DELAYED and report.status_code == "4.4.1"


def test_a_plain_text_bounce_is_unklar_and_shown_to_the_planner_with_the_candidate(
        app, planner, planner_client, inbox, runner, tmp_path):
    survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    result = _run(runner, _maildir(tmp_path, _bounce("plain-text.eml", received)))
    assert "unklar: 1" in result.output
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.SENT  # nobody guessed
        report = db.session.scalar(sa.select(BounceReport))
        assert report.outcome is BounceOutcome.UNCLEAR and report.invitation_id == invitation_id
        assert "Postfach ist voll" in report.raw
    dashboard = planner_client.get("/uebersicht").get_data(as_text=True)
    assert "1 unklarer Rückläufer" in dashboard
    page = planner_client.get("/surveys/ruecklaeufer").get_data(as_text=True)
    assert "Unzustellbar" in page and "Kein maschinenlesbarer Zustellbericht" in page
    assert f"Empfänger: {ADDRESS}" in page  # the kept message, decoded for reading
    assert f"/surveys/{survey_id}/invitations/{invitation_id}" in page  # the candidate, to mark it by hand
    report_id = _report_id(app)
    done = planner_client.post(f"/surveys/ruecklaeufer/{report_id}/erledigt", follow_redirects=True)
    assert "erledigt" in done.get_data(as_text=True)
    assert "unklarer Rückläufer" not in planner_client.get("/uebersicht").get_data(as_text=True)


def _report_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(BounceReport.id))


def test_reading_the_same_bounce_twice_records_it_once(app, planner, inbox, runner, tmp_path):
    _survey_id, _invitation_id, received = _sent_invitation(app, planner, inbox)
    raw = _bounce("postfix.eml", received)
    _run(runner, _maildir(tmp_path, raw))
    again = _run(runner, _maildir(tmp_path / "again", raw))
    assert "schon verarbeitet: 1" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BounceReport.id))) == 1


def test_a_bounce_for_an_opened_invitation_changes_nothing(app, planner, inbox, runner, tmp_path, client):
    _survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    with app.app_context():
        db.session.get(Invitation, invitation_id).status = InvitationStatus.OPENED
        db.session.commit()
    result = _run(runner, _maildir(tmp_path, _bounce("gmail.eml", received)))
    assert "ohne Änderung: 1" in result.output
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.OPENED


def test_after_correcting_the_address_a_bounced_invitation_goes_out_again_and_can_be_reminded(
        app, planner, planner_client, inbox, runner, tmp_path):
    survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    _run(runner, _maildir(tmp_path, _bounce("exim.eml", received)))
    refused = planner_client.post(f"/surveys/{survey_id}/invitations/remind",
                                  data={"invitation": str(invitation_id)}, follow_redirects=True)
    assert "nicht zustellbar" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "reminder")) == 0
    fixed = planner_client.post(f"/surveys/{survey_id}/invitations/{invitation_id}/address",
                                data={"address": "leitung@traeger.example"}, follow_redirects=True)
    assert "Die Einladung geht an die neue Adresse" in fixed.get_data(as_text=True)
    assert deliver(app).sent == 1
    (again,) = inbox.to("leitung@traeger.example")
    assert _link(again) == _link(received)  # the same link as before
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.SENT
    # a late duplicate bounce of the first mail does not undo the correction
    _run(runner, _maildir(tmp_path / "late", _bounce("postfix.eml", received)))
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.SENT
    reminded = planner_client.post(f"/surveys/{survey_id}/invitations/remind",
                                   data={"invitation": str(invitation_id)}, follow_redirects=True)
    assert "1 Erinnerung wird jetzt verschickt" in reminded.get_data(as_text=True)
    assert deliver(app).sent == 1 and len(inbox.to("leitung@traeger.example")) == 2


def _text(page: str) -> str:
    """What a reader sees: tags out, white space (also no-break) collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("\xa0", " ").split()).replace(" )", ")").replace("( ", "(")


def _link(message) -> str:
    from factories import token_from_mail
    return token_from_mail(message.get_body(("plain",)).get_content())


def test_the_fixtures_are_what_they_claim():
    """Guard for the fixtures themselves: four DSNs with a final failure, one delay, one plain text."""
    fake = {"@@MESSAGE_ID@@": "<1.2@lueckenlos.example>", "@@RECIPIENT_UPPER@@": "A@B.EXAMPLE",
            "@@RECIPIENT@@": "a@b.example", "@@SENDER@@": "x@lueckenlos.example", "@@SUBJECT@@": "Einladung"}
    parsed = {}
    for path in FIXTURES.glob("*.eml"):
        text = path.read_text()
        for key, value in fake.items():
            text = text.replace(key, value)
        parsed[path.name] = dsn.parse(text.encode())
    failed = {n for n, p in parsed.items() if p.is_dsn and p.recipients[0].failed}
    assert failed == {"postfix.eml", "exim.eml", "exchange-m365.eml", "gmail.eml"}
    assert parsed["postfix-delayed.eml"].recipients[0].delayed
    assert not parsed["plain-text.eml"].is_dsn
    assert all(p.original_message_id == "<1.2@lueckenlos.example>" for n, p in parsed.items() if p.is_dsn)
    assert {p.recipients[0].final_recipient for p in parsed.values() if p.is_dsn} == {"a@b.example"}


def test_without_a_mailbox_the_command_says_what_to_set(app, runner):
    result = runner.invoke(args=["mail", "bounces"])
    assert result.exit_code != 0 and "BOUNCE_MAILDIR" in result.output


# --- marked by hand ------------------------------------------------------------------------------


def test_planner_marks_unzustellbar_by_hand_and_takes_it_back(app, planner, planner_client, inbox):
    survey_id, invitation_id, _received = _sent_invitation(app, planner, inbox)
    base = f"/surveys/{survey_id}/invitations/{invitation_id}"
    page = planner_client.post(f"{base}/unzustellbar", data={"reason": "Kita wurde geschlossen"},
                               follow_redirects=True).get_data(as_text=True)
    assert "als unzustellbar vermerkt" in page and "Unzustellbar – Kita wurde geschlossen" in page
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.BOUNCED
    again = planner_client.post(f"{base}/unzustellbar", follow_redirects=True).get_data(as_text=True)
    assert "kann nicht als unzustellbar markiert werden" in again  # refused, in German
    undone = planner_client.post(f"{base}/vermerk-zuruecknehmen", follow_redirects=True).get_data(as_text=True)
    assert "Der Status ist wieder „Versendet“" in undone
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.status is InvitationStatus.SENT
        assert invitation.failed_reason == "" and not invitation.bounced_at


def test_an_opened_invitation_cannot_be_marked_unzustellbar(app, planner, planner_client, inbox, client):
    survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    assert client.post(f"/r/{_link(received)}/start").status_code == 302  # "Befragung beginnen"
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.OPENED
    page = planner_client.post(f"/surveys/{survey_id}/invitations/{invitation_id}/unzustellbar",
                               follow_redirects=True).get_data(as_text=True)
    assert "die Einladung ist also angekommen" in page


def test_nimmt_nicht_teil_stops_reminders_counts_as_reached_and_can_be_undone(app, planner, planner_client, inbox):
    survey_id, invitation_id, _received = _sent_invitation(app, planner, inbox)
    with app.app_context():
        survey = db.session.get(Invitation, invitation_id).survey
        invite(survey, "hort@traeger.example", "Hort am Park")
    assert deliver(app).sent == 1
    base = f"/surveys/{survey_id}/invitations/{invitation_id}"
    page = planner_client.post(f"{base}/nimmt-nicht-teil", data={"note": "Absage per Telefon am 3.12."},
                               follow_redirects=True).get_data(as_text=True)
    assert "Die Organisation nimmt nicht teil" in page and "Absage per Telefon am 3.12." in page
    listing = planner_client.get(f"/surveys/{survey_id}/invitations").get_data(as_text=True)
    assert "Nimmt nicht teil: 1" in listing
    # 0 of 2 reached: the declined one is in the base
    assert "<strong>2</strong> erreicht" in listing and "Rücklaufquote <strong>0\xa0%</strong>" in listing
    planner_client.post(f"/surveys/{survey_id}/invitations/remind", data={"mode": "all"})
    with app.app_context():
        reminders = db.session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "reminder")).all()
        assert reminders == ["hort@traeger.example"]
    filtered = planner_client.get(f"/surveys/{survey_id}/invitations?status=declined").get_data(as_text=True)
    assert "Kita Sonnenschein" in filtered and "Hort am Park" not in filtered
    dashboard = _text(planner_client.get("/uebersicht").get_data(as_text=True))
    assert "(0 %) · 1 nimmt nicht teil" in dashboard
    results = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    assert "Davon nimmt 1 nicht teil" in results
    refused = planner_client.post(f"{base}/resend", follow_redirects=True).get_data(as_text=True)
    assert "Diese Organisation nimmt nicht teil" in refused
    undone = planner_client.post(f"{base}/vermerk-zuruecknehmen", follow_redirects=True).get_data(as_text=True)
    assert "Der Status ist wieder „Versendet“" in undone


def test_a_declined_organisation_that_opens_its_link_after_all_is_answering(app, planner, inbox, client):
    _survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    from survey.services import follow_up as follow_up_service
    from survey.services import responses
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        follow_up_service.mark_declined(invitation, "Absage")
        responses.start(invitation)
        db.session.commit()
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.OPENED


def test_unclear_bounces_stay_within_their_kommune(app, planner, planner_client, inbox, runner, tmp_path):
    other_id, _email = make_user(app, "planner", kommune="Stadt Anderswo")
    _survey_id, _invitation_id, received = _sent_invitation(app, (other_id, _email), inbox, "hort@anderswo.example")
    stranger = _bounce("plain-text.eml", received).replace(b"hort@anderswo.example", b"niemand@nirgends.example")
    stranger = stranger.replace(b"<a1b2c3.postmaster", b"<d4e5f6.postmaster")
    _run(runner, _maildir(tmp_path, _bounce("plain-text.eml", received), stranger))
    page = planner_client.get("/surveys/ruecklaeufer").get_data(as_text=True)
    assert "Keine unklaren Rückläufer" in page and "anderswo" not in page.lower()  # two Kommunen: neither shown
    with app.app_context():
        ids = db.session.scalars(sa.select(BounceReport.id)).all()
    assert len(ids) == 2
    for report_id in ids:
        assert planner_client.post(f"/surveys/ruecklaeufer/{report_id}/erledigt").status_code == 404
    theirs = login(app.test_client(), _email).get("/surveys/ruecklaeufer").get_data(as_text=True)
    assert "hort@anderswo.example" in theirs and "niemand@nirgends.example" not in theirs
    listed = runner.invoke(args=["mail", "bounces", "--unklar"])
    assert "unklar, noch nicht erledigt: 2" in listed.output  # the operator sees both


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=3000).map(lambda t: ("Content-Type: multipart/report; "
                                                                          "boundary=x\n\n--x\n" + t).encode()))
def test_reading_any_message_never_raises(raw):
    notice = dsn.parse(raw)
    assert isinstance(notice.is_dsn, bool)
    assert isinstance(dsn.readable(raw), str)


def test_a_dsn_for_a_mail_we_never_sent_is_unklar(app, planner, inbox, runner, tmp_path):
    _survey_id, invitation_id, received = _sent_invitation(app, planner, inbox)
    foreign = _bounce("postfix.eml", received).replace(str(received["Message-ID"]).encode(),
                                                       b"<privat.123@kreis-dueren.example>")
    result = _run(runner, _maildir(tmp_path, foreign))
    assert "unklar: 1" in result.output
    with app.app_context():
        report = db.session.scalar(sa.select(BounceReport))
        assert report.note == "Der Bericht nennt keine E-Mail, die Lückenlos verschickt hat."
        assert report.invitation_id == invitation_id  # its address is one we invited: a candidate to look at
        assert db.session.get(Invitation, invitation_id).status is InvitationStatus.SENT

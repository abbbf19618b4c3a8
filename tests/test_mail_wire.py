"""Every mail kind reaches a real SMTP server that enforces RFC 5321's line limit, with extreme content.

Generated over every mail kind (each folder of templates/email) × a Stadt, a Kreis and a Gemeinde,
each with a long introduction, 25 partner entries in the confirmation, long names with umlauts and
a sender name with a comma: every line on the wire is at most 998 bytes, every body line at most
78 characters, the text the respondent reads is exactly the text rendered, and the server (which
refuses longer lines with "500 Line too long") accepts them all.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import smtplib
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer

from factories import PASSWORD, PRIVACY, make_user
from survey import config, create_app
from survey.extensions import db
from survey.models import Invitation, OutboxMessage, OutboxStatus, Response, User
from survey.services import accessibility, accounts, invitations, links, surveys
from survey.services import follow_up as follow_up_service
from survey.services.delivery import deliver_due
from test_outbox import free_port

KOMMUNEN = ["Stadt Wuppertal", "Kreis Düren", "Gemeinde Kreuzau"]
PARTNERS = "kooperation.partner"
LONG = ("Großherzogliche Kindertagesstätte „Sonnenblümchen“ für Kinder, Jugendliche und Familien im Übergang "
        "zwischen Kita, Grundschule und weiterführender Schule – Trägerverbund Süd e. V.")
INTRODUCTION = " ".join(
    f"Satz {n}: Mit dieser Befragung möchten wir gemeinsam mit Ihnen herausfinden, welche Angebote es für "
    f"Familien in Ihrem Stadtteil gibt, wo die Übergänge gelingen und wo Lücken in der Präventionskette "
    f"bestehen, damit wir die Planung daran ausrichten können." for n in range(1, 8))


class StrictRelay:
    """Keeps what it accepted: (MAIL FROM options, the bytes as received)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((list(envelope.mail_options), envelope.original_content))
        return "250 OK"


class StrictController(Controller):
    """aiosmtpd with the limit of RFC 5321 4.5.3.1.6: 998 characters and CRLF (its default allows 1001)."""

    def factory(self):
        server = SMTPServer(self.handler, **self.SMTP_kwargs)
        server.line_length_limit = 1000
        return server


@pytest.fixture
def relay():
    handler = StrictRelay()
    controller = StrictController(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_the_strict_relay_refuses_a_line_over_998_bytes(relay):
    """The server of the next test really enforces the limit (else that test could not fail)."""
    controller, handler = relay
    with smtplib.SMTP("127.0.0.1", controller.port) as client:
        client.sendmail("a@b.example", ["c@d.example"], b"Subject: x\r\n\r\n" + b"x" * 998 + b"\r\n")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("a@b.example", ["c@d.example"], b"Subject: x\r\n\r\n" + b"x" * 999 + b"\r\n")
    assert refused.value.smtp_code == 500 and len(handler.received) == 1


def _extreme_mails(app, kommune_name: str) -> None:
    """Queue one mail of every kind for this Kommune, each as long and non-ASCII as it gets."""
    admin_id, _ = make_user(app, "admin", kommune=kommune_name)
    planner_id, _ = make_user(app, "planner", kommune=kommune_name)
    _analyst_id, analyst_email = make_user(app, "analyst", kommune=kommune_name)
    with app.app_context():
        admin = db.session.get(User, admin_id)
        kommune = admin.kommune
        kommune.sender_name = f"{kommune.display_name}, Jugendamt – Frühe Hilfen und Präventionsketten für Familien"
        kommune.signature = "\n".join([f"{kommune.display_name} – Der Oberbürgermeister / Die Landrätin", "Jugendamt, "
                                       "Abteilung Frühe Hilfen, Übergangsmanagement und Präventionsketten " * 3,
                                       "Rathausstraße 1–3, 52349 Düren", "Telefon 02421 22-0",
                                       "https://www.example.org/jugendamt/fruehe-hilfen/praeventionskette"])
        catalogue = app.extensions["catalogue"]
        survey = surveys.create_survey(kommune, admin, "Präventionskette: Übergänge Kita – Grundschule " * 3,
                                       contact_name="Dr. Hannelore Müller-Lüdenscheidt-Wäscher",
                                       contact_email=admin.email, privacy_notice=PRIVACY)
        for key in ("akteur.name", PARTNERS):
            surveys.add_question(survey, catalogue.get(key))
        for item in survey.items:
            item.required = False
        survey.invitation_text = "{Anrede},\n\n" + INTRODUCTION + "\n\nIhr Link: {Link}\n\nFrist: {Frist}\n\n{Absender}"
        survey.reminder_text = "{Anrede},\n\n" + INTRODUCTION + "\n\n{Link}\n\n{Absender}"
        surveys.open_survey(survey)
        answering, token = invitations.invite(survey, "kita@traeger.example", organisation=LONG,
                                              contact_name="Maximiliane Großkopf-Überländer")
        waiting, waiting_token = invitations.invite(survey, "jugend@traeger.example", organisation=LONG + " II")
        db.session.commit()
        answering_id, waiting_id = answering.id, waiting.id
    respondent = app.test_client()
    respondent.post(f"/r/{token}/start")
    with app.app_context():
        response = db.session.scalar(sa.select(Response).where(Response.invitation_id == answering_id))
        draft = dict(response.draft, **{"akteur.name": [LONG]})
        for n in range(25):
            draft |= {f"{PARTNERS}/{n}/actor": [""], f"{PARTNERS}/{n}/name": [f"{LONG} Nr. {n + 1}"],
                      f"{PARTNERS}/{n}/art": ["informationsaustausch", "fallabstimmung", "gemeinsame_angebote"],
                      f"{PARTNERS}/{n}/haeufigkeit": ["woechentlich"]}
        response.draft = draft
        db.session.commit()
    assert respondent.post(f"/r/{token}/pruefen").status_code == 302, "submitting failed"
    app.test_client().post(f"/r/{waiting_token}/start")  # started, not submitted: may be reminded
    app.test_client().post(f"/r/{waiting_token}/link")  # the link mail
    with app.app_context():
        survey = db.session.get(Invitation, waiting_id).survey
        passing, passing_token = invitations.invite(survey, "buero@traeger.example", organisation=LONG + " III")
        for row in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.invitation_id == passing.id)):
            db.session.delete(row)  # its invitation went out on another day: passing it on cancels nothing
        db.session.commit()
    app.test_client().post(f"/r/{passing_token}/weitergeben", data={  # the delegation mail
        "name": "Maximiliane Großkopf-Überländer", "email": "max.grosskopf@traeger.example",
        "note": INTRODUCTION[:990]})
    with app.app_context():
        follow_up_service.remind([db.session.get(Invitation, waiting_id)])
        accounts.invite_user(db.session.get(User, admin_id), f"kollegin.{admin_id}@verwaltung.example", "planner")
        accounts.request_password_reset(analyst_email)
        accounts.change_password(db.session.get(User, planner_id), PASSWORD, "ein-neues-langes-Kennwort-42")
        accessibility.send_feedback(db.session.get(User, admin_id).kommune, accessibility.Feedback(
            message=(INTRODUCTION[:1200] + "\n") * 3, name="Maximiliane Großkopf-Überländer",
            email="max@traeger.example", page="/r/AbCdEf…/seite/3"))
        db.session.commit()


def _decoded(text: str) -> str:
    """A text with its line ends as one kind (MIME's canonical CRLF and Python's LF are the same
    lines to a mail client), and one final newline."""
    return "\n".join(text.replace("\r\n", "\n").splitlines()) + "\n"


@pytest.mark.parametrize("kommune_name", KOMMUNEN)
def test_every_mail_kind_with_extreme_content_passes_a_strict_relay_unchanged(app, relay, kommune_name):
    controller, handler = relay
    _extreme_mails(app, kommune_name)
    worker = create_app(dict(app.config, MAIL_PORT=controller.port))
    with worker.app_context():
        expected = {row.message_id: (row,
                                     *links.filled_in(row)) for row in db.session.scalars(sa.select(OutboxMessage))}
        report = deliver_due()
        assert report.failed == report.retrying == 0
        statuses = {row.kind: row.status for row in db.session.scalars(sa.select(OutboxMessage))}
        db.session.remove()
        db.engine.dispose()  # the worker app's own pool (PostgreSQL warns about open connections)
    mail_kinds = {p.name for p in (Path(config.TEMPLATES_DIR) / "email").iterdir() if p.is_dir()}
    assert set(statuses) >= mail_kinds, f"mail kinds not covered: {sorted(mail_kinds - set(statuses))}"
    assert set(statuses.values()) == {OutboxStatus.SENT}
    assert len(handler.received) == len(expected)
    longest_html_source = max(len(line.encode()) for _r, _t, html in expected.values() for line in html.splitlines())
    assert longest_html_source > 998, "the content is not extreme enough to show anything"
    for options, raw in handler.received:
        lines = raw.split(b"\r\n")
        assert max(len(line) for line in lines) <= 998
        head, _, body = raw.partition(b"\r\n\r\n")
        assert max(len(line) for line in body.split(b"\r\n")) <= 78
        assert raw.isascii() and "BODY=8BITMIME" not in options  # 7bit, so no 8BITMIME needed
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        row, text, html = expected[mail["Message-ID"]]
        assert mail.get_content_type() == ("multipart/alternative" if html else "text/plain")
        assert _decoded(mail.get_body(("plain",)).get_content()) == _decoded(text)
        if html:
            assert _decoded(mail.get_body(("html",)).get_content()) == _decoded(html)
        for part in mail.walk():
            if not part.is_multipart():
                assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert mail["Subject"] == row.subject
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["X-Auto-Response-Suppress"] == "OOF, AutoReply"
        assert mail["Content-Language"] == "de"
        [sender] = mail["From"].addresses  # the comma in the display name does not split it
        assert sender.display_name == row.sender_name and "Jugendamt – Frühe Hilfen" in sender.display_name
        assert sender.addr_spec == email.utils.parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]


def test_respondent_mails_of_a_survey_without_contact_address_reply_to_its_planner(app, inbox):
    planner_id, planner_email = make_user(app, "planner", kommune="Kreis Düren")
    with app.app_context():
        planner = db.session.get(User, planner_id)
        planner.kommune.sender_name = "Kreis Düren, Jugendamt"
        survey = surveys.create_survey(planner.kommune, planner, "Netzwerke 2026",  # no contact address
                                       privacy_notice=PRIVACY)
        surveys.add_question(survey, app.extensions["catalogue"].get("akteur.name"))
        survey.items[0].required = False
        surveys.open_survey(survey)
        _invitation, token = invitations.invite(survey, "kita@traeger.example", organisation="Kita")
        db.session.commit()
    respondent = app.test_client()
    respondent.post(f"/r/{token}/start")
    respondent.post(f"/r/{token}/link")
    assert respondent.post(f"/r/{token}/pruefen").status_code == 302
    with app.app_context():
        deliver_due()
        db.session.remove()
    assert len(inbox.messages) == 3  # invitation, link, confirmation
    for mail in inbox.messages:
        assert mail["Reply-To"] == planner_email
        assert mail["From"].addresses[0].display_name == "Kreis Düren, Jugendamt"

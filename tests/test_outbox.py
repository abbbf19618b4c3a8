"""The outbox under failure: server down, refusal, crash and restart, rate limit, two workers, rendered mails."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from factories import deliver, make_survey
from survey import create_app
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, OutboxMessage, OutboxStatus, Survey, utc_now
from survey.services import delivery, invitations, mail_texts


def _invite_many(app, planner, n: int) -> int:
    with app.app_context():
        survey = make_survey(planner[0])
        for i in range(n):
            invitations.invite(survey, f"traeger{i:03d}@beispiel-dueren.de", organisation=f"Träger {i}")
        db.session.commit()
        return survey.id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dispose(other) -> None:
    """Close the pooled connections of a second app (PostgreSQL warns about leaked connections)."""
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
        return {status.value: n for status, n in rows}


def test_rendered_invitation_has_both_parts_headers_and_no_placeholder(app, planner, inbox):
    with app.app_context():
        survey = make_survey(planner[0])
        survey.invitation_text = ("{Anrede},\n\nbitte machen Sie mit bei {Befragung} ({Kommune}): {Link}\n"
                                  "Frist: {Frist}\n\n{Absender}")
        db.session.commit()
        invitations.invite(survey, "anna@kita.example", organisation="Kita <Sonnenschein>", contact_name="Anna Becker")
        db.session.commit()
    assert deliver(app).sent == 1
    [mail] = inbox.to("anna@kita.example")
    assert mail["Reply-To"] == "planner@musterhausen.example"
    assert mail["Message-ID"].startswith("<") and mail["Date"]
    assert "Netzwerke 2026" in mail["Subject"] and "Stadt Musterhausen" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.startswith("Guten Tag Anna Becker,") and "http://127.0.0.1:5000/r/" in text
    assert "keine feste Frist" in text and "Petra Plan" in text
    assert re.search(r'href="http://127.0.0.1:5000/r/[\w-]+"', html)
    for part in (mail["Subject"], text, html):
        assert not re.search(r"\{\w+\}", part), part
    assert "<Sonnenschein>" not in html  # escaped in HTML


def test_unknown_placeholder_fails_loudly(app, planner):
    with app.app_context():
        survey = make_survey(planner[0])
        survey.invitation_text = "Hallo {Vorname}, {Link}"
        with pytest.raises(mail_texts.TemplateError, match=r"\{Vorname\}"):
            invitations.invite(survey, "a@b.example")
        db.session.rollback()
        assert mail_texts.check_template("Hallo {Vorname}",
                                         require_link=True)[0].startswith("Den Platzhalter {Vorname}")


def test_refused_recipient_fails_with_reason_others_arrive(app, planner, inbox):
    survey_id = _invite_many(app, planner, 3)
    inbox.refuse.add("traeger001@beispiel-dueren.de")
    report = deliver(app)
    assert (report.sent, report.failed) == (2, 1)
    with app.app_context():
        bad = db.session.scalar(sa.select(Invitation).where(Invitation.email == "traeger001@beispiel-dueren.de"))
        assert bad.status is InvitationStatus.FAILED and "550" in bad.failed_reason
        # The planner reads a German sentence first; the server's words follow as the detail.
        assert bad.failed_reason.startswith("Die Adresse gibt es beim Empfänger nicht")
        assert bad.failed_reason.endswith("Meldung des Servers: 550 5.1.1 Mailbox unavailable")
        assert bad.status_label == "Zustellung fehlgeschlagen"
    assert len(inbox.messages) == 2 and survey_id


def test_server_down_is_retried_with_backoff_and_shown_as_retrying(app, planner, inbox, planner_client):
    survey_id = _invite_many(app, planner, 2)
    unreachable = create_app(dict(app.config, MAIL_PORT=free_port()))  # nobody listens there
    with unreachable.app_context():
        report = delivery.deliver_due()
        assert (report.sent, report.retrying, report.untried) == (0, 0, 2)
        assert all(r.attempts == 0 for r in db.session.scalars(sa.select(OutboxMessage)))  # no verdict, no attempt used
        rows = list(db.session.scalars(sa.select(OutboxMessage)))
        assert all(r.status is OutboxStatus.PENDING and r.next_attempt_at > utc_now() for r in rows)
        db.session.remove()
    _dispose(unreachable)
    page = planner_client.get(f"/surveys/{survey_id}/invitations").get_data(as_text=True)
    assert "Wird erneut versucht" in page
    assert deliver(app).sent == 0  # not due yet: back-off
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utc_now()))
        db.session.commit()
    assert deliver(app).sent == 2 and len(inbox.messages) == 2


def test_server_stopping_mid_batch_delivers_the_rest_exactly_once(app, planner, inbox, tmp_path):
    """A second app talks to our own SMTP server, which we stop after three mails and start again."""
    _invite_many(app, planner, 8)
    own = type(inbox)()  # conftest's Inbox handler, for our own server
    port = free_port()
    controller = Controller(own, hostname="127.0.0.1", port=port)
    controller.start()
    second = create_app(dict(app.config, MAIL_PORT=port))
    stopped = threading.Event()

    def pause() -> None:
        if len(own.messages) == 3 and not stopped.is_set():
            controller.stop()
            stopped.set()

    with second.app_context():
        report = delivery.deliver_due(pause=pause)
        db.session.remove()
    assert stopped.is_set() and report.sent == 3 and report.retrying + report.untried == 5
    controller = Controller(own, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with second.app_context():
            db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                               .values(next_attempt_at=utc_now()))
            db.session.commit()
            assert delivery.deliver_due().sent == 5
            assert delivery.deliver_due().sent == 0
            db.session.remove()
    finally:
        controller.stop()
        _dispose(second)
    recipients = sorted(m["To"] for m in own.messages)
    assert len(recipients) == 8 and len(set(recipients)) == 8
    assert _statuses(app) == {"sent": 8}


def test_crash_leaves_rows_sending_and_restart_sends_each_exactly_once(app, planner, inbox):
    _invite_many(app, planner, 4)
    with app.app_context():
        claimed = delivery.claim_due()  # the worker died right after committing its claim
        assert len(claimed) == 4
        db.session.remove()
    assert deliver(app).sent == 0  # the lease still holds: nobody else sends them
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utc_now() - dt.timedelta(seconds=1)))
        db.session.commit()
    report = deliver(app)
    assert report.sent == 4 and deliver(app).sent == 0
    assert sorted(m["To"] for m in inbox.messages) == [f"traeger{i:03d}@beispiel-dueren.de" for i in range(4)]
    with app.app_context():
        assert {r.attempts for r in db.session.scalars(sa.select(OutboxMessage))} == {2}


def test_rate_limit_spaces_the_mails_and_holds_across_batches(app, planner, inbox, monkeypatch):
    _invite_many(app, planner, 3)
    now = [utc_now()]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the injectable clock: waiting moves time on, nothing sleeps
        sleeps.append(seconds)
        now[0] += dt.timedelta(seconds=seconds)

    monkeypatch.setattr(delivery, "clock", lambda: now[0])
    monkeypatch.setattr(delivery, "sleep", sleep)
    with app.app_context():
        assert delivery.deliver_due(per_minute=30).sent == 3
        assert sum(sleeps) == pytest.approx(4.0)  # 2 s between mails: slots at 0, 2 and 4 s
        _invite_many(app, planner, 1)
        assert delivery.deliver_due(per_minute=30).sent == 1  # the next batch waits for its slot too
        assert sum(sleeps) == pytest.approx(6.0)
        assert delivery.deliver_due(per_minute=0).sent == 0
    assert len(inbox.messages) == 4


@pytest.mark.postgres_only
def test_two_workers_on_postgresql_never_send_the_same_mail_twice(app, planner, inbox):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    _invite_many(app, planner, 40)
    barrier = threading.Barrier(2)
    reports = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            total = 0
            while True:
                report = delivery.deliver_due(limit=5)
                if not (report.sent or report.retrying or report.failed or report.untried):
                    break
                total += report.sent
            reports.append(total)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    recipients = [m["To"] for m in inbox.messages]
    assert len(recipients) == 40 and len(set(recipients)) == 40
    assert sum(reports) == 40 and all(reports)


def test_survey_model_has_reminder_settings(app):
    assert {"remind_days_before", "invitation_text", "reminder_text"} <= set(Survey.__table__.columns.keys())


def test_mails_of_a_closed_survey_are_no_longer_tried(app, planner, inbox):
    """Retries end with the survey: once it is closed nobody can answer, so waiting mails are cancelled."""
    from survey.models import OutboxMessage, OutboxStatus
    from survey.services import surveys

    survey_id = _invite_many(app, planner, 2)
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    report = deliver(app)
    assert report.sent == 0 and not inbox.messages
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        assert rows and all(r.status is OutboxStatus.CANCELLED and "beendet" in r.last_error for r in rows)


def test_without_a_mail_server_outside_demo_mode_mails_are_held_and_the_dashboard_says_so(
        app, planner, planner_client, inbox, monkeypatch, tmp_path):
    """Production without MAIL_SERVER writes no folder nobody reads: the mails wait untried, the
    dashboard says why, and they go out once a server is configured."""
    _invite_many(app, planner, 3)
    held = create_app(dict(app.config, MAIL_SERVER="", DEMO_MODE=False, MAILBOX_DIR=str(tmp_path / "mailbox")))
    with held.app_context():
        report = delivery.deliver_due()
        assert (report.sent, report.untried) == (0, 3)
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        assert all(r.status is OutboxStatus.PENDING and r.attempts == 0 for r in rows)
        db.session.remove()
    _dispose(held)
    assert not (tmp_path / "mailbox").exists() and not inbox.messages
    page = planner_client.get("/uebersicht").get_data(as_text=True)
    assert "Der E-Mail-Versand ist angehalten" in page and "kein Mailserver eingerichtet" in page
    later = utc_now() + delivery.SERVER_PAUSE + dt.timedelta(seconds=1)
    monkeypatch.setattr(delivery, "clock", lambda: later)
    with app.app_context():  # the operator has set MAIL_SERVER
        assert delivery.deliver_due().sent == 3
    assert len(inbox.messages) == 3
    assert "Der E-Mail-Versand ist angehalten" not in planner_client.get("/uebersicht").get_data(as_text=True)

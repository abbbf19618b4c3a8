"""Delivery under a flaky relay and a long outage: every invitation arrives exactly once or visibly
fails, and only a real verdict costs an attempt (real SMTP server, bounded in rounds)."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from survey import create_app
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, OutboxMessage, OutboxStatus, utc_now
from survey.services import delivery
from test_outbox import _dispose, _invite_many, free_port

INVITATIONS = 60
MAX_ROUNDS = 40


class FlakyRelay:
    """Drops a share of connections in the middle of DATA, before it replies (nothing stored)."""

    def __init__(self, drop_share: float, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.drop_share = drop_share
        self.stored: list[str] = []
        self.dropped = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.rng.random() < self.drop_share:
                self.dropped += 1
                server.transport.close()  # the client sees the connection vanish mid-DATA
                return "421 dropped"
            self.stored.append(envelope.content.decode(errors="replace"))
        return "250 OK"


def _time_passes(app) -> None:
    """The injectable clock of this test: whatever waits for its next attempt is due now."""
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                           .values(next_attempt_at=utc_now()))
        db.session.commit()


def test_a_relay_dropping_a_fifth_of_connections_delivers_every_invitation_once(app, planner):
    _invite_many(app, planner, INVITATIONS)
    relay = FlakyRelay(drop_share=0.2)
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    worker = create_app(dict(app.config, MAIL_PORT=port))
    try:
        with worker.app_context():
            for _round in range(MAX_ROUNDS):
                delivery.deliver_due()
                pending = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.status != OutboxStatus.SENT))
                if not pending:
                    break
                _time_passes(worker)
            statuses = db.session.scalars(sa.select(Invitation.status)).all()
            db.session.remove()
    finally:
        controller.stop()
        _dispose(worker)
    assert relay.dropped > 5  # the fault really happened
    message_ids = [line for mail in relay.stored for line in mail.splitlines() if line.startswith("Message-ID:")]
    assert len(message_ids) == INVITATIONS and len(set(message_ids)) == INVITATIONS  # each exactly once
    assert set(statuses) == {InvitationStatus.SENT}


def test_an_outage_of_hours_costs_no_attempt_and_fails_nothing(app, planner, inbox):
    _invite_many(app, planner, 5)
    unreachable = create_app(dict(app.config, MAIL_PORT=free_port()))  # nobody listens there
    try:
        with unreachable.app_context():
            for _hour in range(30):  # far more tries than any attempt count would allow
                report = delivery.deliver_due()
                assert report.untried == 5 and report.failed == 0
                _time_passes(unreachable)
            rows = db.session.scalars(sa.select(OutboxMessage)).all()
            assert {r.status for r in rows} == {OutboxStatus.PENDING} and {r.attempts for r in rows} == {0}
            assert all("nicht erreichbar" in r.last_error for r in rows)  # German, with the detail after it
            db.session.remove()
    finally:
        _dispose(unreachable)
    with app.app_context():
        assert delivery.deliver_due().sent == 5  # the relay is back
    assert len(inbox.messages) == 5


def test_temporary_failures_give_up_only_after_the_retry_window(app, planner):
    _invite_many(app, planner, 2)
    relay = FlakyRelay(drop_share=1.0)  # every mail is dropped while it is being sent
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    worker = create_app(dict(app.config, MAIL_PORT=port))
    try:
        with worker.app_context():
            old = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
            old.created_at = utc_now() - delivery.RETRY_FOR  # queued three days ago
            db.session.commit()
            report = delivery.deliver_due()
            assert (report.failed, report.retrying) == (1, 1)
            invitations = db.session.scalars(sa.select(Invitation).order_by(Invitation.id)).all()
            assert [i.status for i in invitations] == [InvitationStatus.FAILED, InvitationStatus.CREATED]
            assert "brach beim Senden ab" in invitations[0].failed_reason
            db.session.remove()
    finally:
        controller.stop()
        _dispose(worker)


def test_a_second_worker_on_sqlite_waits_for_the_first(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL workers share the queue through SKIP LOCKED instead")
    first_has_it, release, second_has_it = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with delivery.single_worker(app):
            first_has_it.set()
            release.wait(10)

    def second() -> None:
        first_has_it.wait(10)
        with delivery.single_worker(app):
            second_has_it.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_has_it.wait(10)
    assert not second_has_it.wait(0.5)  # still waiting while the first worker runs
    release.set()
    assert second_has_it.wait(10)
    for thread in threads:
        thread.join(10)


def test_all_failed_invitations_are_resent_at_once_after_a_preview(app, planner, inbox, planner_client):
    survey_id = _invite_many(app, planner, 4)
    for n in range(3):
        inbox.refuse.add(f"traeger{n:03d}@beispiel-dueren.de")
    with app.app_context():
        assert delivery.deliver_due().failed == 3
    page = planner_client.get(f"/surveys/{survey_id}/invitations").get_data(as_text=True)
    assert "alle erneut senden" in page
    preview = planner_client.get(f"/surveys/{survey_id}/invitations/fehlgeschlagen").get_data(as_text=True)
    assert "3 Einladungen konnten nicht zugestellt werden" in preview and "550" in preview
    inbox.refuse.clear()
    assert planner_client.post(f"/surveys/{survey_id}/invitations/fehlgeschlagen").status_code == 302
    with app.app_context():
        assert delivery.deliver_due().sent == 3
        assert set(db.session.scalars(sa.select(Invitation.status))) == {InvitationStatus.SENT}
    tokens = {line for m in inbox.messages for line in m.get_body(("plain",)).get_content().split() if "/r/" in line}
    assert len(inbox.messages) == 4 and len(tokens) == 4  # each organisation got its own working link once


def test_a_refusing_server_pauses_the_whole_queue_and_the_dashboard_says_why(app, planner, inbox, planner_client,
                                                                             monkeypatch):
    _invite_many(app, planner, delivery.BATCH_SIZE + 10)
    unreachable = create_app(dict(app.config, MAIL_PORT=free_port()))  # nobody listens there
    try:
        with unreachable.app_context():
            assert delivery.deliver_due().untried == delivery.BATCH_SIZE
            nothing = delivery.deliver_due()  # the 10 outside the batch wait too: nobody knocks again
            assert (nothing.sent, nothing.untried, nothing.retrying, nothing.failed) == (0, 0, 0, 0)
            db.session.remove()
    finally:
        _dispose(unreachable)
    page = planner_client.get("/uebersicht").get_data(as_text=True)
    assert "Der E-Mail-Versand ist angehalten" in page and "kein Zustellversuch verloren" in page
    assert "Meldung: Der Mailserver war nicht erreichbar" in page and "Connection refused" in page  # detail only
    later = utc_now() + delivery.SERVER_PAUSE + dt.timedelta(seconds=1)
    monkeypatch.setattr(delivery, "clock", lambda: later)
    with app.app_context():  # the server is back
        assert delivery.deliver_due().sent == delivery.BATCH_SIZE
        assert delivery.deliver_due().sent == 10
        assert {r.attempts for r in db.session.scalars(sa.select(OutboxMessage))} == {1}  # the outage cost none
        db.session.remove()
    assert len(inbox.messages) == delivery.BATCH_SIZE + 10
    assert "angehalten" not in planner_client.get("/uebersicht").get_data(as_text=True)

"""The mail worker: claims due outbox messages, hands them to a sender, records the outcome.

Delivery is at-least-once. A claim records the attempt and a lease (`next_attempt_at` moves
ahead by `LEASE`) and is committed *before* the SMTP conversation. If the worker dies after the
server accepted a mail but before `sent` was committed, the lease runs out and the message is sent
again, with the same Message-ID so receiving systems and people can recognise the duplicate. We
prefer a rare duplicate to a lost invitation. On PostgreSQL claims use FOR UPDATE SKIP LOCKED so
several workers never claim the same row; on SQLite a second worker waits for the first one's
lock file (`single_worker`: SQLite has no row locks).

Personal links are filled in here, when a mail is built for sending (`links.filled_in`): the
stored bodies hold a placeholder, the token comes sealed from the invitation or account token.
A set-password token's seal is dropped once its mail is out. A link no key can open any more
fails that mail for good, with the reason.

Before each send the worker checks that the mail is still wanted: a reminder to an organisation
that has submitted in the meantime, or any mail of a withdrawn invitation, is cancelled instead.
Only a real verdict gives up on a mail. A 5xx reply for the recipient is final; a 4xx reply, a
timeout or a connection dropped while *this* mail was being sent costs this mail one attempt and
it is retried with back-off, for `RETRY_FOR` after it was queued (a cap in time, not a count, so
an outage of hours fails nothing). When the server cannot be reached or refuses the session itself
(connection refused, 554 greeting, 535 authentication, 530 TLS), the mail being sent and the rest
of the batch go back untried: their claim's attempt is given back, and the whole queue pauses for
`SERVER_PAUSE` (every mail due before then waits, for all workers), so nobody knocks on the
closed door once per mail. The planner dashboard shows the pause and its reason until a mail goes
through again (`queue_paused`).

Several workers (PostgreSQL) share one rate and never send a mail twice:
- The rate (`MAIL_RATE_PER_MINUTE`) is a schedule in the database (`MailRate`, one row): before
  each mail a worker reserves the next send slot under a row lock and waits for it, so all
  workers together keep to the rate. A batch holds about one minute of mails at that rate.
- While a worker waits for its slots it renews the lease of the rest of its batch (every third of
  the lease), so a slow batch is never re-claimed by a second worker. Each claim is fenced by its
  attempt count: before sending, the worker renews that row's lease only if the row is still
  "sending" with the attempt count of its own claim; if another worker has re-claimed it (the
  first stalled longer than the lease) the mail is left to that worker.
- The ambiguous window: a connection lost after the final "." of DATA but before the server's
  reply cannot tell whether the mail was accepted. It is treated as a temporary failure and sent
  again later with the same Message-ID (counted as an attempt), so a recipient may see it twice;
  drops before the end of DATA never lead to a duplicate.

Time comes from `clock()` and waiting goes through `sleep()`: tests replace both with a virtual
clock, so slow batches, outages of hours and three-day windows need no real waiting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import fcntl
import logging
import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_mail
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from .. import link_keys
from ..extensions import db, mail
from ..models import Invitation, InvitationStatus, MailRate, OutboxMessage, OutboxStatus, SurveyState, utc_now
from ..models.base import rowcount
from . import links
from .mail_reasons import smtp_refusal
from .mail_wire import WireMessage

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)  # default of MAIL_LEASE_SECONDS
RETRY_FOR = dt.timedelta(days=3)
SERVER_PAUSE = dt.timedelta(minutes=1)
BATCH_SIZE = 50


def clock() -> dt.datetime:
    """The worker's notion of now (tests replace it with a virtual clock)."""
    return utc_now()


def sleep(seconds: float) -> None:
    """Wait (tests replace it with a virtual clock's sleep)."""
    time.sleep(seconds)


def lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config.get("MAIL_LEASE_SECONDS") or LEASE.total_seconds())


class TemporaryFailure(Exception):
    """Try this mail again later (4xx reply, timeout or connection lost while sending it)."""


class ServerUnavailable(Exception):
    """The server could not be reached or refused the session: no verdict on any mail."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx reply for the recipient)."""


def backoff(attempts: int) -> dt.timedelta:
    """Wait 1, 2, 4 … minutes (at most 2 hours) before the next attempt."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def sender_of(row: OutboxMessage) -> tuple[str, str]:
    """(display name, address) of From: the row's name (its Kommune's sender name), else the one of
    MAIL_DEFAULT_SENDER; the address is always MAIL_DEFAULT_SENDER's (checked at start)."""
    name, address = email.utils.parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return (row.sender_name or name), address


def build_message(row: OutboxMessage) -> WireMessage:
    """The mail as it is sent, personal link filled in (links.LinkUnavailable if it cannot be)."""
    text, html = links.filled_in(row)
    return WireMessage(
        subject=row.subject,
        sender=sender_of(row),
        recipient=row.recipient,
        text=text,
        html=html or None,
        reply_to=row.reply_to or None,
        date=time.time(),
        message_id=row.message_id,
    )


def _text(reply: bytes | str) -> str:
    """An SMTP server's reply text (smtplib hands it over as bytes)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class SmtpSender:
    """Delivers through Flask-Mail's SMTP connection, one connection per batch."""

    def __init__(self) -> None:
        self._connection: flask_mail.Connection | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.__exit__(None, None, None)  # type: ignore[arg-type]  # flask_mail leaves out None
            self._connection = None

    def _connect(self) -> None:
        try:
            self._connection = mail.connect().__enter__()
        except smtplib.SMTPResponseException as error:
            self._connection = None
            detail = f"{error.smtp_code} {_text(error.smtp_error)}"
            raise ServerUnavailable(f"Der Mailserver hat die Verbindung abgelehnt ({detail}).") from error
        except (OSError, smtplib.SMTPException) as error:
            self._connection = None
            raise ServerUnavailable(f"Der Mailserver war nicht erreichbar ({error}).") from error

    def send(self, row: OutboxMessage) -> None:
        if self._connection is None:
            self._connect()
        connection = self._connection
        assert connection is not None  # _connect sets it or raises
        try:
            message = build_message(row)
            connection.send(message, envelope_from=message.envelope_from)
        except smtplib.SMTPRecipientsRefused as error:
            code, reason = next(iter(error.recipients.values()))
            self._connection = None if code < 500 else self._connection
            text = smtp_refusal(code, _text(reason))
            raise (PermanentFailure if code >= 500 else TemporaryFailure)(text) from error
        except smtplib.SMTPResponseException as error:
            text = smtp_refusal(error.smtp_code, _text(error.smtp_error))
            self._connection = None
            raise (PermanentFailure if error.smtp_code >= 500 else TemporaryFailure)(text) from error
        except (OSError, smtplib.SMTPException) as error:
            self._connection = None  # the next mail opens a new connection
            raise TemporaryFailure(f"Die Verbindung zum Mailserver brach beim Senden ab ({error}).") from error
        except UnicodeEncodeError as error:  # non-ASCII address, server without SMTPUTF8
            raise PermanentFailure("Die Adresse enthält Sonderzeichen, die der Mailserver nicht annimmt.") from error


class MailboxSender:
    """Writes each mail as an .eml file into the local mailbox folder (demo mode).

    The file is sealed with the link keyring (Fernet, like the tokens): the demo mailbox keeps the
    whole mail as sent, links included, but the instance folder holds no usable link in clear;
    /mailbox unseals it for a logged-in user of the mail's Kommune.
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def __enter__(self) -> MailboxSender:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, row: OutboxMessage) -> None:
        message = build_message(row)
        # Whose mail it is, so /mailbox shows each Kommune's logged-in users only their own.
        message.extra_headers = {"X-Lueckenlos-Kommune": str(_kommune_of(row) or "")}
        path = self.directory / f"{row.id:08d}.eml"
        path.write_bytes(link_keys.seal_bytes(message.as_bytes()))


def _kommune_of(row: OutboxMessage) -> int | None:
    """The Kommune a mail belongs to: the invitation's survey's, else the recipient account's."""
    from ..models import User

    invitation = db.session.get(Invitation, row.invitation_id) if row.invitation_id else None
    if invitation is not None:
        return invitation.survey.kommune_id
    return db.session.scalar(sa.select(User.kommune_id).where(User.email == row.recipient.lower()))


NO_SERVER = ("Es ist kein Mailserver eingerichtet (MAIL_SERVER fehlt in der Konfiguration). Die E-Mails warten "
             "im Postausgang und gehen hinaus, sobald die technische Betreuung ihn einträgt.")


class HeldSender:
    """Outside demo mode without MAIL_SERVER: nothing is sent and nothing is lost. Every mail stays
    in the outbox untried (the queue pauses as for an unreachable server, so the dashboard says
    why) until a server is configured. A folder nobody reads would look delivered and be lost."""

    def __enter__(self) -> HeldSender:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, row: OutboxMessage) -> None:
        raise ServerUnavailable(NO_SERVER)


def make_sender() -> SmtpSender | MailboxSender | HeldSender:
    if current_app.config["MAIL_SERVER"]:
        return SmtpSender()
    if current_app.config["DEMO_MODE"]:
        return MailboxSender(current_app.config["MAILBOX_DIR"])
    return HeldSender()


def claim_due(limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Claim up to `limit` due messages and commit the claim (attempt + lease) before sending."""
    now = clock()
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(query))
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.attempts += 1
        row.next_attempt_at = now + lease_length()
    db.session.commit()
    return rows


def _obsolete(row: OutboxMessage) -> str:
    """Why the mail is no longer wanted ("" if it is)."""
    if reason := links.obsolete_reason(row):
        return reason
    if not row.invitation_id or row.kind not in ("invitation", "reminder", "link", "delegation"):
        return ""
    invitation = db.session.get(Invitation, row.invitation_id)
    if invitation is None:
        return ""
    if invitation.status is InvitationStatus.WITHDRAWN:
        return "Einladung zurückgezogen."
    if row.kind in ("link", "delegation"):
        return ""
    if invitation.survey.state is SurveyState.CLOSED:  # retries end with the survey: nobody can answer any more
        return "Die Befragung ist inzwischen beendet."
    if row.kind == "reminder" and invitation.status is InvitationStatus.SUBMITTED:
        return "Die Organisation hat inzwischen geantwortet."
    return ""


def _record_sent(row: OutboxMessage) -> None:
    row.status = OutboxStatus.SENT
    row.sent_at = clock()
    row.last_error = ""
    links.forget(row)
    if row.invitation_id and row.kind in ("invitation", "reminder"):
        invitation = db.session.get(Invitation, row.invitation_id)
        if invitation is None:
            return
        if row.kind == "reminder":
            invitation.reminded_at = row.sent_at
            invitation.reminder_count += 1
            return
        invitation.sent_at = row.sent_at
        if invitation.status in (InvitationStatus.CREATED, InvitationStatus.FAILED):
            invitation.status = InvitationStatus.SENT
        invitation.failed_reason = ""


def _give_back(row: OutboxMessage, error: ServerUnavailable) -> None:
    """Put an untried mail back: no attempt used, due again after a short pause."""
    row.attempts = max(row.attempts - 1, 0)
    row.status = OutboxStatus.PENDING
    row.next_attempt_at = clock() + SERVER_PAUSE
    row.last_error = str(error)
    invitation = db.session.get(Invitation,
                                row.invitation_id) if row.invitation_id and row.kind == "invitation" else None
    if invitation is not None and invitation.status is InvitationStatus.CREATED:
        invitation.failed_reason = str(error)  # shown as "Wird erneut versucht"


def _record_failure(row: OutboxMessage, error: Exception) -> None:
    row.last_error = str(error)
    expired = clock() + backoff(row.attempts) > row.created_at + RETRY_FOR
    permanent = isinstance(error, PermanentFailure) or expired
    invitation = db.session.get(Invitation, row.invitation_id) if row.invitation_id else None
    if row.kind != "invitation":
        invitation = None  # a failed reminder does not change the invitation's status
    if permanent:
        row.status = OutboxStatus.FAILED
        links.forget(row)
        if invitation is not None and invitation.status in (InvitationStatus.CREATED, InvitationStatus.SENT):
            invitation.status = InvitationStatus.FAILED
            invitation.failed_reason = str(error)
    else:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = clock() + backoff(row.attempts)
        if invitation is not None and invitation.status is InvitationStatus.CREATED:
            invitation.failed_reason = str(error)  # shown as "Wird erneut versucht"


class _Claims:
    """The rows this worker claimed in one batch, fenced by the attempt count of each claim."""

    def __init__(self, rows: list[OutboxMessage]) -> None:
        self.attempts = {row.id: row.attempts for row in rows}
        self.lease = lease_length()
        self.renewed_at = clock()

    def _renew(self, ids: list[int]) -> None:
        until = clock() + self.lease
        for row_id in ids:
            result = db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.SENDING,
                       OutboxMessage.attempts == self.attempts[row_id])
                .values(next_attempt_at=until)
                .execution_options(synchronize_session=False))
            if rowcount(result) != 1:
                log.warning("outbox id %s was re-claimed by another worker; leaving it to that one", row_id)
                del self.attempts[row_id]
        db.session.commit()

    def keep(self, remaining: list[int]) -> None:
        """Renew the lease of the rows not sent yet, every third of the lease."""
        if clock() - self.renewed_at >= self.lease / 3:
            self._renew([i for i in remaining if i in self.attempts])
            self.renewed_at = clock()

    def still_ours(self, row_id: int) -> bool:
        """Renew this row's lease right before sending it; False if another worker has it now."""
        if row_id in self.attempts:
            self._renew([row_id])
        return row_id in self.attempts


def _schedule() -> MailRate:
    """The shared schedule row, locked (PostgreSQL) until the caller commits; created if missing."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(MailRate).values(id=1, next_slot_at=clock()).on_conflict_do_nothing())
    return db.session.scalars(sa.select(MailRate).where(MailRate.id == 1).with_for_update()).one()


def reserve_slot(per_minute: int) -> dt.datetime:
    """Reserve the next send slot of the shared schedule (committed) and return when it is."""
    interval = dt.timedelta(seconds=60.0 / per_minute)
    schedule = _schedule()
    slot = max(clock(), schedule.next_slot_at)
    schedule.next_slot_at = slot + interval
    db.session.commit()
    return slot


def queue_paused() -> MailRate | None:
    """The schedule row while the queue is paused because the server refused (for the dashboard)."""
    schedule = db.session.get(MailRate, 1)
    return schedule if schedule is not None and schedule.paused_since is not None else None


def _pause_queue(error: ServerUnavailable) -> None:
    """The server refused the session: every mail due before the pause ends waits for it (no
    worker knocks once per mail or per batch), and the dashboard says why. Committed."""
    until = clock() + SERVER_PAUSE
    db.session.execute(sa.update(OutboxMessage)
                       .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at < until)
                       .values(next_attempt_at=until).execution_options(synchronize_session=False))
    schedule = _schedule()
    schedule.paused_since = schedule.paused_since or clock()
    schedule.pause_reason = str(error)
    db.session.commit()


def _resume_queue() -> None:
    schedule = queue_paused()
    if schedule is not None:
        schedule.paused_since = None
        schedule.pause_reason = ""


def _wait_for(slot: dt.datetime, claims: _Claims, remaining: list[int]) -> None:
    """Wait until `slot`, keeping the leases of the batch alive meanwhile."""
    while (left := (slot - clock()).total_seconds()) > 0:
        claims.keep(remaining)
        sleep(min(left, claims.lease.total_seconds() / 3))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    untried: int = 0  # given back because the server was unavailable
    lost_claims: int = 0  # re-claimed by another worker after this one stalled past the lease


def deliver_due(limit: int = BATCH_SIZE, pause: Callable[[], None] | None = None,
                per_minute: int | None = None) -> DeliveryReport:
    """Deliver one batch of due messages; each outcome is committed on its own.

    `per_minute` (default MAIL_RATE_PER_MINUTE, 0: no limit) is shared by all workers through the
    database schedule; the batch then holds about one minute of mails. `pause` is called after
    each mail (a hook for tests).
    """
    if per_minute is None:
        per_minute = current_app.config.get("MAIL_RATE_PER_MINUTE") or 0
    if per_minute > 0:
        limit = min(limit, per_minute)
    report = DeliveryReport()
    rows = claim_due(limit)
    if not rows:
        return report
    claims = _Claims(rows)
    ids = [row.id for row in rows]
    server_down: ServerUnavailable | None = None
    with make_sender() as sender:
        for position, row in enumerate(rows):
            if row.id not in claims.attempts:
                report.lost_claims += 1
                continue
            reason = _obsolete(row)
            if reason:
                row.status = OutboxStatus.CANCELLED
                row.last_error = reason
                db.session.commit()
                continue
            if server_down is None:
                if per_minute > 0:
                    _wait_for(reserve_slot(per_minute), claims, ids[position:])
                if not claims.still_ours(row.id):
                    report.lost_claims += 1
                    continue
            try:
                try:
                    if server_down is not None:
                        raise server_down
                    sender.send(row)
                except (TemporaryFailure, PermanentFailure, ServerUnavailable):
                    raise
                except links.LinkUnavailable as error:
                    raise PermanentFailure(str(error)) from error
                except Exception as error:  # one broken message must not stop the batch
                    log.exception("unexpected error delivering outbox id %s", row.id)
                    raise TemporaryFailure(f"Unerwarteter Fehler: {error}") from error
            except ServerUnavailable as error:
                if server_down is None:
                    log.warning("mail server unavailable, batch put back: %s", error)
                server_down = error
                _give_back(row, error)
                report.untried += 1
                if report.untried == 1:
                    db.session.commit()
                    _pause_queue(error)
            except (TemporaryFailure, PermanentFailure) as error:
                _record_failure(row, error)
                if row.status is OutboxStatus.FAILED:
                    report.failed += 1
                else:
                    report.retrying += 1
                log.warning("mail %s to outbox id %s not delivered: %s", row.kind, row.id, error)
            else:
                _record_sent(row)
                report.sent += 1
                if report.sent == 1:
                    _resume_queue()
            db.session.commit()
            if pause and server_down is None:
                pause()
    return report


@contextlib.contextmanager
def single_worker(app: Flask) -> Iterator[None]:
    """On SQLite, hold the instance folder's worker lock: a second worker waits instead of racing.

    SQLite has no row locks, so two workers could claim the same rows between SELECT and UPDATE
    (and each would keep its own rate). PostgreSQL claims with FOR UPDATE SKIP LOCKED instead, so
    several workers may run there.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield
        return
    path = Path(app.instance_path) / "mail-worker.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another mail worker holds %s; waiting for it to stop", path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

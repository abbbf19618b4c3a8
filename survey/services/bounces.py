"""Bounces after acceptance: match a delivery-status notification to our mail and record what it means.

A relay that accepted a mail may return it hours later. The bounce carries the returned mail's
headers; their Message-ID is the one our outbox row keeps (`OutboxMessage.message_id`), so no
VERP return path is needed (relays like Exchange Online with SMTP AUTH refuse foreign envelope
senders anyway). Final-Recipient is checked against the row's recipient; a different one (the
mail was forwarded) is named in the reason but does not stop the match.

Every message read becomes a `BounceReport`:
* a final failure (Action: failed) of an invitation or reminder whose invitation is "Versendet" →
  the invitation is "unzustellbar" with the server's diagnostic as reason;
* a delay (Action: delayed, 4.x.x) → logged and kept, nothing changes;
* matched but no change (the link was opened, so the mail arrived; already failed; an older mail
  to an address corrected since; a confirmation mail) → kept with the reason;
* anything we cannot read or match → "unklar", kept with the whole message for a person, never
  dropped. A candidate invitation is attached when an invited address appears in the text.
Services add and flush; the CLI commits one message at a time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import BounceOutcome, BounceReport, Invitation, InvitationStatus, Kommune, OutboxMessage, Survey, utc_now
from . import audit, dsn
from .follow_up import (
    mark_bounced,
)
from .mail_reasons import explain

log = logging.getLogger(__name__)

RAW_LIMIT = 200_000  # characters of an unclear message kept for reading


@dataclass
class Tally:
    """What one run did, for the CLI's summary line."""

    bounced: int = 0
    delayed: int = 0
    no_change: int = 0
    unclear: int = 0
    duplicates: int = 0
    reports: list[BounceReport] = field(default_factory=list)

    def add(self, report: BounceReport) -> None:
        self.reports.append(report)
        setattr(self, report.outcome.value, getattr(self, report.outcome.value) + 1)

    def line(self) -> str:
        return (f"unzustellbar: {self.bounced}, verzögert: {self.delayed}, ohne Änderung: {self.no_change}, "
                f"unklar: {self.unclear}" + (f", schon verarbeitet: {self.duplicates}" if self.duplicates else ""))


def already_processed(raw: bytes) -> bool:
    """A bounce with this Message-ID was recorded before (a crash between commit and moving it away)."""
    own_id = dsn.parse(raw).message_id
    return bool(own_id) and (db.session.scalar(
        sa.select(sa.func.count(BounceReport.id)).where(BounceReport.report_message_id == own_id)) or 0) > 0


def process(raw: bytes, source: str = "", now=None) -> list[BounceReport]:
    """Record one bounce message (one report per recipient it names, at least one); returns them."""
    now = now or utc_now()
    notice = dsn.parse(raw)
    base = {"source": source[:300], "report_message_id": notice.message_id[:255], "subject": notice.subject[:500],
            "sender": notice.sender[:300], "original_message_id": notice.original_message_id[:255], "received_at": now}
    row = _outbox_row(notice.original_message_id)
    if not notice.is_dsn or row is None:
        why = ("Kein maschinenlesbarer Zustellbericht (RFC 3464)." if not notice.is_dsn else
               "Der Bericht nennt keine E-Mail, die Lückenlos verschickt hat." if notice.original_message_id else
               "Der Bericht enthält die Message-ID der ursprünglichen E-Mail nicht.")
        first = notice.recipients[0] if notice.recipients else None
        candidate = _candidate(notice, row)
        report = BounceReport(**base, outcome=BounceOutcome.UNCLEAR, note=why,
                              recipient=(first.final_recipient if first else "")[:254],
                              action=(first.action if first else "")[:20],
                              status_code=(first.status if first else "")[:20],
                              diagnostic=first.diagnostic if first else "",
                              raw=raw.decode("utf-8", errors="replace")[:RAW_LIMIT],
                              invitation_id=candidate.id if candidate else None,
                              kommune_id=_kommune_of(candidate))
        db.session.add(report)
        db.session.flush()
        log.warning("bounce %s could not be matched (%s)", notice.message_id or "without Message-ID", why)
        return [report]
    invitation = db.session.get(Invitation, row.invitation_id) if row.invitation_id else None
    reports = []
    for recipient in notice.recipients:
        outcome, note = _apply(row, invitation, recipient, now)
        report = BounceReport(**base, outcome=outcome, note=note, recipient=recipient.final_recipient[:254],
                              action=recipient.action[:20], status_code=recipient.status[:20],
                              diagnostic=recipient.diagnostic, outbox_id=row.id,
                              invitation_id=invitation.id if invitation else None,
                              kommune_id=_kommune_of(invitation))
        db.session.add(report)
        reports.append(report)
        log.info("bounce for outbox id %s (%s %s): %s", row.id, recipient.action, recipient.status, outcome.value)
    db.session.flush()
    return reports


def _outbox_row(message_id: str) -> OutboxMessage | None:
    if not message_id:
        return None
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.message_id == message_id)
                             .order_by(OutboxMessage.id.desc()).limit(1))


def _candidate(notice: dsn.Notification, row: OutboxMessage | None) -> Invitation | None:
    """For an unclear bounce: the one invitation whose address appears in it, if exactly one does."""
    if row is not None and row.invitation_id:
        return db.session.get(Invitation, row.invitation_id)
    addresses = {r.final_recipient for r in notice.recipients} or set(notice.addresses)
    if not addresses:
        return None
    found = list(db.session.scalars(sa.select(Invitation).where(sa.func.lower(Invitation.email).in_(addresses))
                                    .order_by(Invitation.id.desc()).limit(2)))
    return found[0] if len(found) == 1 else None


def _kommune_of(invitation: Invitation | None) -> int | None:
    return invitation.survey.kommune_id if invitation is not None else None


def _reason(recipient: dsn.RecipientStatus, row: OutboxMessage) -> str:
    detail = recipient.diagnostic or f"Status {recipient.status}"
    status = recipient.status
    if status.endswith(".0.0"):  # Exim says 5.0.0; the remote server's own code is more telling
        found = re.search(r"\b[45]\.\d{1,3}\.\d{1,3}\b", recipient.diagnostic)
        status = found.group(0) if found else status
    text = f"{explain(status)} Meldung des Servers: {detail}"
    if recipient.final_recipient and recipient.final_recipient != row.recipient.lower():
        text += f" (weitergeleitet an {recipient.final_recipient})"
    return text


def _apply(row: OutboxMessage, invitation: Invitation | None, recipient: dsn.RecipientStatus,
           now) -> tuple[BounceOutcome, str]:
    if recipient.delayed:
        return BounceOutcome.DELAYED, "Der Mailserver versucht es noch; der Status bleibt."
    if not recipient.failed:
        return (BounceOutcome.NO_CHANGE,
                f"Meldung „{recipient.action or recipient.status}“: keine Zustellung gescheitert.")
    if invitation is None or row.kind not in ("invitation", "reminder"):
        return BounceOutcome.NO_CHANGE, "Die zurückgekommene E-Mail war keine Einladung oder Erinnerung."
    if row.recipient.lower() != invitation.email.lower():
        return BounceOutcome.NO_CHANGE, (f"Die E-Mail ging an die frühere Adresse {row.recipient}; "
                                         "die Adresse wurde inzwischen korrigiert.")
    newer = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "invitation", OutboxMessage.id > row.id))
    if newer:
        return (BounceOutcome.NO_CHANGE,
                "Die Einladung wurde danach erneut verschickt; diese Meldung betrifft eine ältere E-Mail.")
    if invitation.status is InvitationStatus.SENT:
        mark_bounced(invitation, _reason(recipient, row), now)
        return BounceOutcome.BOUNCED, "Die Einladung ist jetzt als unzustellbar vermerkt."
    if invitation.status in (InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS, InvitationStatus.SUBMITTED):
        return (BounceOutcome.NO_CHANGE,
                "Die Organisation hat ihren Link bereits geöffnet; die Einladung ist angekommen.")
    return BounceOutcome.NO_CHANGE, f"Der Status „{invitation.status_label}“ bleibt."


# --- what the planner sees ------------------------------------------------------------------------


def _visible(kommune_id: int):
    """Reports of this Kommune; unattributed ones only where the installation has a single Kommune.

    An unmatched bounce cannot be tied to a Kommune, and showing it to every Kommune would show one
    Kommune's recipient addresses to another; with several Kommunen the operator reads them with
    `flask mail bounces --unklar`.
    """
    single = db.session.scalar(sa.select(sa.func.count(Kommune.id))) == 1
    if single:
        return sa.or_(BounceReport.kommune_id == kommune_id, BounceReport.kommune_id.is_(None))
    return BounceReport.kommune_id == kommune_id


def unclear(kommune_id: int | None, include_resolved: bool = False) -> list[BounceReport]:
    """Unclear bounces a person must look at (newest first); `kommune_id=None`: all (the operator's CLI)."""
    query = sa.select(BounceReport).where(BounceReport.outcome == BounceOutcome.UNCLEAR)
    if kommune_id is not None:
        query = query.where(_visible(kommune_id))
    if not include_resolved:
        query = query.where(BounceReport.resolved_at.is_(None))
    return list(db.session.scalars(query.order_by(BounceReport.id.desc())))


def unclear_count(kommune_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(BounceReport.id)).where(
        BounceReport.outcome == BounceOutcome.UNCLEAR, BounceReport.resolved_at.is_(None), _visible(kommune_id))) or 0


def report_of(kommune_id: int, report_id: int) -> BounceReport | None:
    return db.session.scalar(sa.select(BounceReport).where(BounceReport.id == report_id, _visible(kommune_id)))


def resolve(report: BounceReport, now=None) -> None:
    """An unclear bounce was looked at (and, if needed, the invitation marked by hand)."""
    report.resolved_at = now or utc_now()
    if report.kommune_id is not None:
        audit.record(report.kommune_id, "invitation.changed", "Unklarer Rückläufer als erledigt markiert", obj=report,
                     survey_id=report.invitation.survey_id if report.invitation else None)
    db.session.flush()


def reports_of_invitation(invitation: Invitation) -> list[BounceReport]:
    return list(db.session.scalars(sa.select(BounceReport).where(BounceReport.invitation_id == invitation.id)
                                   .order_by(BounceReport.id.desc())))


def surveys_with_unclear(reports: list[BounceReport]) -> dict[int, Survey]:
    """The survey of each candidate invitation (for links on the list)."""
    ids = {r.invitation.survey_id for r in reports if r.invitation is not None}
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(sa.select(Survey).where(Survey.id.in_(ids)))}

"""Bounce reports: every delivery-status notification read from the bounce mailbox, kept with its outcome."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utc_now, value_enum
from .invitation import Invitation


class BounceOutcome(enum.Enum):
    BOUNCED = "bounced"  # a final failure for one of our mails: the invitation is now "unzustellbar"
    DELAYED = "delayed"  # the relay is still trying (4.x.x): logged, nothing changes
    NO_CHANGE = "no_change"  # matched, but the invitation was reached anyway, already failed, or an older mail
    UNCLEAR = "unclear"  # not a parseable DSN, or no Message-ID of ours: a person has to look at it

    @property
    def label(self) -> str:
        return {
            "bounced": "Unzustellbar vermerkt",
            "delayed": "Verzögert (keine Änderung)",
            "no_change": "Keine Änderung",
            "unclear": "Unklar",
        }[self.value]


class BounceReport(Model):
    __table_args__ = (sa.Index("ix_bounce_report_outcome", "outcome", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    source: Mapped[str] = mapped_column(sa.String(300), default="")  # maildir path or imap host/folder
    report_message_id: Mapped[str] = mapped_column(sa.String(255), default="", index=True)  # the bounce's own
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    sender: Mapped[str] = mapped_column(sa.String(300), default="")
    original_message_id: Mapped[str] = mapped_column(sa.String(255), default="")  # our mail's, as returned
    recipient: Mapped[str] = mapped_column(sa.String(254), default="")  # Final-Recipient
    action: Mapped[str] = mapped_column(sa.String(20), default="")  # failed, delayed, delivered …
    status_code: Mapped[str] = mapped_column(sa.String(20), default="")  # 5.1.1 …
    diagnostic: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[BounceOutcome] = mapped_column(value_enum(BounceOutcome))
    note: Mapped[str] = mapped_column(sa.Text, default="")  # why (German, for the planner)
    # The invitation it concerns; for an unclear one a candidate found by address, if any.
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitation.id", ondelete="SET NULL"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id", ondelete="SET NULL"))
    # Who may see it: the Kommune of the matched (or candidate) invitation; none when nothing matched.
    kommune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kommune.id", ondelete="CASCADE"), index=True)
    raw: Mapped[str] = mapped_column(sa.Text, default="")  # the message as received (unclear ones), for a person
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # an unclear one marked as dealt with

    invitation: Mapped[Invitation | None] = relationship()

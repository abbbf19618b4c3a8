"""The outbox: every e-mail is a row written in the same transaction as the change that causes it;
and the shared send schedule that keeps all mail workers together to MAIL_RATE_PER_MINUTE."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utc_now, value_enum


class OutboxStatus(enum.Enum):
    PENDING = "pending"  # waiting (also: waiting for a retry after a temporary failure)
    SENDING = "sending"  # claimed by a worker; an attempt is recorded before talking to SMTP
    SENT = "sent"
    FAILED = "failed"  # permanently refused by the server, or out of retries
    CANCELLED = "cancelled"  # no longer needed (invitation withdrawn, reminder after submission)

    @property
    def label(self) -> str:
        return {
            "pending": "Wartet auf Versand",
            "sending": "Wird versendet",
            "sent": "Versendet",
            "failed": "Zustellung fehlgeschlagen",
            "cancelled": "Nicht versendet (nicht mehr nötig)",
        }[self.value]


class OutboxMessage(Model):
    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))  # invitation, reminder, confirmation, link
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    # A set-password mail: its link is taken from this token at send time (survey/link_keys.py).
    account_token_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account_token.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="")
    # Display name in the From header (the Kommune's sender name); empty: MAIL_DEFAULT_SENDER as is.
    sender_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    subject: Mapped[str] = mapped_column(sa.String(500))
    # The bodies as rendered, with link_keys.LINK_PLACEHOLDER where the personal link goes: the
    # worker fills in the link when it sends, so no stored body holds a usable token.
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    message_id: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[OutboxStatus] = mapped_column(value_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MailRate(Model):
    """One row: the earliest moment the next mail may go out, shared by every mail worker.

    A worker reserves a send slot by locking this row, taking max(now, next_slot_at) and moving
    next_slot_at one interval (60 s / MAIL_RATE_PER_MINUTE) on, so the rate holds across workers.
    """

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    next_slot_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The server refused the session or could not be reached (no mail has gone through since):
    # the queue is paused, the planner dashboard shows why. Cleared by the next delivered mail.
    paused_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

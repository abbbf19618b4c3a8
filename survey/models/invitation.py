"""One invited organisation for one survey; its token is stored as a hash and sealed (survey/link_keys.py)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .actor import Actor
from .base import UTCDateTime, utc_now, value_enum
from .survey import Survey


class InvitationStatus(enum.Enum):
    CREATED = "created"
    SENT = "sent"
    FAILED = "failed"
    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    BOUNCED = "bounced"  # accepted by the relay, returned later (bounce) or marked by hand: "unzustellbar"
    DECLINED = "declined"  # the organisation said it will not take part (marked by the planner)

    @property
    def label(self) -> str:
        return {
            "created": "Angelegt",
            "sent": "Versendet",
            "failed": "Zustellung fehlgeschlagen",
            "opened": "Geöffnet",
            "in_progress": "In Bearbeitung",
            "submitted": "Abgeschickt",
            "withdrawn": "Zurückgezogen",
            "bounced": "Unzustellbar",
            "declined": "Nimmt nicht teil",
        }[self.value]


class Invitation(Model):
    __table_args__ = (sa.Index("ix_invitation_survey_status", "survey_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actor.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The token encrypted with the link keyring (LINK_KEYS), so resends, reminders and the mail
    # worker can put the same link into a mail; None for a prepared invitation (no link yet) and
    # for invitations from before sealing whose token was never found again.
    token_sealed: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[InvitationStatus] = mapped_column(value_enum(InvitationStatus), default=InvitationStatus.CREATED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_reason: Mapped[str] = mapped_column(sa.Text, default="")
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # last reminder delivered
    reminder_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # "Unzustellbar": when the bounce came (or the planner marked it); the reason is in failed_reason.
    bounced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "Nimmt nicht teil": when the planner marked it, with an optional note (e.g. "Anruf am 3.12.").
    declined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    declined_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The status before "unzustellbar" or "nimmt nicht teil", restored when the planner undoes the mark.
    status_before: Mapped[InvitationStatus | None] = mapped_column(value_enum(InvitationStatus))
    # A test invitation of the "Probelauf" (services/test_run.py): it works on a draft survey, its
    # answers are marked as tests, no count or rate includes it, and opening the survey deletes it.
    test: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    survey: Mapped[Survey] = relationship()
    actor: Mapped[Actor | None] = relationship()

    @property
    def retrying(self) -> bool:
        """The mail could not be delivered yet and the worker tries again (server down, 4xx)."""
        return self.status is InvitationStatus.CREATED and bool(self.failed_reason)

    @property
    def status_label(self) -> str:
        return "Wird erneut versucht" if self.retrying else self.status.label

    @property
    def can_be_reminded(self) -> bool:
        """Only delivered invitations that have not been submitted (or withdrawn) get reminders."""
        return self.status in REMINDABLE


REMINDABLE = (InvitationStatus.SENT, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)

"""One invited organisation for one survey; its token is stored only as a hash."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
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
        }[self.value]


class Invitation(db.Model):
    __table_args__ = (sa.Index("ix_invitation_survey_status", "survey_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actor.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(value_enum(InvitationStatus), default=InvitationStatus.CREATED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_reason: Mapped[str] = mapped_column(sa.Text, default="")
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship()
    actor: Mapped[Actor | None] = relationship()

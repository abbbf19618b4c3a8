"""A respondent's answers: the raw draft as typed, and the typed answers written on submit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utc_now
from .invitation import Invitation


class Response(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"), unique=True)
    # Raw form data exactly as posted (field name -> list of strings), valid or not.
    draft: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    # Typed answers (question key -> value, see questionnaires.kinds); set on submit.
    answers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    current_page: Mapped[int] = mapped_column(default=0)
    # Bumped on every save; a save based on an older revision is a conflict (two tabs).
    revision: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    invitation: Mapped[Invitation] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

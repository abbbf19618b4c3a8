"""A respondent's answers: the raw draft as typed, and the typed answers written on submit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utc_now
from .invitation import Invitation


class Response(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"), unique=True)
    # Raw form data exactly as posted (field name -> list of strings), valid or not.
    draft: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    # Typed answers (question key -> value, see questionnaires.kinds); set on submit.
    answers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    current_page: Mapped[int] = mapped_column(default=0)
    # Bumped by SQLAlchemy on every UPDATE of the row, which carries `WHERE revision = <read>`: a
    # write based on a stale read raises StaleDataError instead of overwriting another tab's save
    # (the respondent views retry it on fresh data). A form's older revision is a two-tab conflict.
    revision: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # Entered on behalf of the organisation by a planner (paper form, phone call; services/behalf.py):
    # the source (a key of `behalf.SOURCES`), who (user id and the name at the time: a plain number,
    # like the audit log's, so the mark outlives the account) and when they last saved. Empty when
    # only the respondent answered.
    entered_source: Mapped[str | None] = mapped_column(sa.String(20))
    entered_by_id: Mapped[int | None] = mapped_column()
    entered_by_name: Mapped[str | None] = mapped_column(sa.String(200))
    entered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation] = relationship()

    # A new response starts at revision 0 (forms rendered before the first save post "0").
    __mapper_args__ = {"version_id_col": revision,
                       "version_id_generator": lambda version: 0 if version is None else version + 1}

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def entered_on_behalf(self) -> bool:
        return self.entered_source is not None

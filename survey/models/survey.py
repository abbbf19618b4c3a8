"""A survey (Befragung), its pages and its frozen copies of catalogue questions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.kinds import KINDS
from questionnaires.model import Option, Question
from questionnaires.serialize import question_from_dict

from ..extensions import Model
from .base import UTCDateTime, utc_now, value_enum
from .kommune import Kommune


class SurveyState(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"draft": "Entwurf", "open": "Offen", "closed": "Abgeschlossen"}[self.value]


class Survey(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    # Raised by every planner edit saved through `views/edit_conflicts.claim`: a form carries the
    # version it showed, and a save over a newer one gets the conflict notice instead of overwriting.
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(60), default="")
    deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    district_scope: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    state: Mapped[SurveyState] = mapped_column(value_enum(SurveyState), default=SurveyState.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the last closing: retention counts from it
    # When the contact persons' names and addresses of this survey were deleted (retention, or the
    # planner at once); None while they are kept. Answers are never deleted with them.
    contacts_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Waves: a follow-up survey points to the one it repeats.
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey.id"))
    # The planner's own mail texts with {Platzhalter}; empty means the default text.
    invitation_subject: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    invitation_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reminder_subject: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    reminder_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Scheduled reminder: N days before the deadline the worker reminds everyone who has not submitted.
    remind_days_before: Mapped[int | None] = mapped_column()
    scheduled_reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Lifecycle (`services/lifecycle.py`): an open survey with a deadline closes itself at 24:00
    # Europe/Berlin on the deadline day (job kind "surveys.auto_close") unless the planner turned it off.
    auto_close: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Set while a closed survey is archived: it leaves the active lists (planner list, dashboard) and
    # shows in the "Archiv"; undone by clearing it. Retention runs on archived surveys as on any closed one.
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Row-level data for analysts (see `services/row_access.py`). `confidential`: the survey's texts
    # promise that single answers are not passed on by name (set by the template, shown in the
    # privacy notice); while it is set, `rows_for_analysts` cannot be switched on.
    confidential: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rows_for_analysts: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rows_free_text: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Raised by every wording correction after opening (`services/corrections`): part of the keys of
    # the cached respondent pages and of the results' data stamp, so every app server shows the new
    # wording with its next request.
    wording_revision: Mapped[int] = mapped_column(default=0, server_default="0")

    kommune: Mapped[Kommune] = relationship()
    pages: Mapped[list[SurveyPage]] = relationship(
        back_populates="survey", order_by="SurveyPage.position", cascade="all, delete-orphan"
    )
    items: Mapped[list[SurveyItem]] = relationship(
        back_populates="survey", order_by="SurveyItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.state is SurveyState.DRAFT

    @property
    def is_open(self) -> bool:
        return self.state is SurveyState.OPEN

    def district_options(self) -> tuple[Option, ...]:
        """The Kommune's districts this survey covers, as answer options.

        A district deactivated after the survey was opened stays an option; a draft offers only
        active districts.
        """
        return tuple(
            Option(d.code, d.name)
            for d in self.kommune.districts
            if (not self.district_scope or d.code in self.district_scope) and d.offered_in(self.opened_at)
        )

    def questions(self) -> list[Question]:
        """The survey's questions in order, with district options filled in from the Kommune."""
        districts = self.district_options()
        return [item.to_question(districts) for item in self.items]


class SurveyPage(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")

    survey: Mapped[Survey] = relationship(back_populates="pages")
    items: Mapped[list[SurveyItem]] = relationship(back_populates="page", order_by="SurveyItem.position")


class SurveyItem(Model):
    """A frozen copy of one question: later catalogue edits never change a survey already built."""

    __table_args__ = (sa.UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_page.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(30))
    catalogue_version: Mapped[int | None] = mapped_column()  # None for the planner's own questions
    prompt: Mapped[str] = mapped_column(sa.Text)
    required: Mapped[bool] = mapped_column(default=False)
    modified: Mapped[bool] = mapped_column(default=False)  # wording differs from the catalogue
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Wording corrections after the survey was opened, oldest first (`services/corrections`): each
    # {"at", "by", "by_id", "note", "changes": [{"part", "code", "old", "new"}], "seen_by": [response ids]}.
    # Kept out of `definition`, so a copy or a follow-up wave starts with the wording but no history.
    corrections: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list, server_default="[]")
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")

    survey: Mapped[Survey] = relationship(back_populates="items")
    page: Mapped[SurveyPage] = relationship(back_populates="items")

    @property
    def is_own(self) -> bool:
        return self.catalogue_version is None

    def to_question(self, districts: tuple[Option, ...] = ()) -> Question:
        question = question_from_dict(self.definition)
        question = dataclasses.replace(question, prompt=self.prompt, required=self.required)
        if KINDS[question.kind].districts:
            question = dataclasses.replace(question, options=districts)
        if any(KINDS[f.kind].districts for f in question.fields):
            fields = tuple(
                dataclasses.replace(f, options=districts) if KINDS[f.kind].districts else f for f in question.fields
            )
            question = dataclasses.replace(question, fields=fields)
        return question

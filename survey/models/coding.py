"""The coding of free-text answers: a survey's categories per question, which normalised answer text
belongs to which category, and the suggestions a planner rejected.

The raw answers stay untouched in `Response.answers`; the coding is analysis and may change at any
time, also after the survey closed. Texts are stored in their normal form (`analysis.coding.normalise`),
so every spelling with the same normal form shares one assignment; `text_hash` (its SHA-256) is
what is unique, because a long answer is longer than an index entry may be.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utc_now

KEY_LENGTH = 200
LABEL_LENGTH = 120


class CodingCategory(Model):
    """One category of a question's coding ("Übergang Kita–Schule"), in the planner's order."""

    __table_args__ = (sa.UniqueConstraint("survey_id", "question_key", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    label: Mapped[str] = mapped_column(sa.String(LABEL_LENGTH))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class CodingAssignment(Model):
    """A normalised answer text of a question assigned to one category."""

    __table_args__ = (sa.UniqueConstraint("survey_id", "question_key", "text_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    text: Mapped[str] = mapped_column(sa.Text)
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("coding_category.id", ondelete="CASCADE"), index=True)


class CodingRejection(Model):
    """A suggestion (this normalised text → this category) the planner rejected: not suggested again."""

    __table_args__ = (sa.UniqueConstraint("category_id", "text_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    text: Mapped[str] = mapped_column(sa.Text)
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("coding_category.id", ondelete="CASCADE"), index=True)

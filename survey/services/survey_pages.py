"""A survey as respondents see it: its non-empty pages with their questions (district options
resolved), cached per process for opened (frozen) surveys, and the answering-time estimate.

Building and changing a survey is `services/surveys`.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from questionnaires.kinds import ENTRIES, INFO, KINDS
from questionnaires.model import Question

from ..extensions import db
from ..models import Survey, SurveyPage
from .cache import lru_memo


@dataclasses.dataclass(frozen=True)
class PageView:
    """A page as respondents see it: its title and position (no database object)."""

    title: str
    position: int


# Opened surveys are frozen, so their pages and questions are computed once per process and key:
# (survey id, when it was opened, its wording revision — raised by every correction after opening,
# read from the database on each request, so every app server shows a correction at once —, the
# Kommune's districts as (code, name) pairs).
_frozen_pages = lru_memo(256)


def _build_pages(survey: Survey) -> list[tuple[PageView, list[Question]]]:
    pages = db.session.scalars(
        sa.select(SurveyPage).where(SurveyPage.survey_id == survey.id)
        .options(selectinload(SurveyPage.items)).order_by(SurveyPage.position)
    ).all()
    districts = survey.district_options()
    return [
        (PageView(page.title, page.position), [item.to_question(districts) for item in page.items])
        for page in pages if page.items
    ]


def answering_minutes(pages: list[tuple[PageView, list[Question]]]) -> int:
    """A rough, honest estimate of the answering time (welcome page and invitation mails say the same):
    half a minute per question, five minutes per list of entries, rounded to five minutes (at least five)."""
    seconds = 0
    for _page, questions in pages:
        for q in questions:
            family = KINDS[q.kind].family if q.kind in KINDS else ""
            seconds += 300 if family == ENTRIES else 0 if family == INFO else 30
    return max(5, round(seconds / 300) * 5)


def pages_with_questions(survey: Survey) -> list[tuple[PageView, list[Question]]]:
    """Each non-empty page with its questions (district options resolved).

    Respondent pages call this on every request; for an opened (frozen) survey the result is
    cached per process, keyed so that renamed districts and corrected wording still show at once.
    """
    if survey.is_draft:
        return _build_pages(survey)
    key = (survey.id, survey.opened_at, survey.wording_revision, survey.district_options())
    return _frozen_pages.get(key, lambda: _build_pages(survey))

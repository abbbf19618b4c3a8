"""Building surveys: create, add catalogue questions, open (freeze) and close."""

from __future__ import annotations

import sqlalchemy as sa

from questionnaires.kinds import KINDS
from questionnaires.model import Question
from questionnaires.serialize import question_to_dict

from ..extensions import db
from ..models import Kommune, Survey, SurveyItem, SurveyPage, SurveyState, User, utc_now


class SurveyError(ValueError):
    """A rule was broken; the message is German and meant for the planner."""


def survey_of_kommune(kommune_id: int, survey_id: int) -> Survey | None:
    """The survey, if it belongs to the Kommune; None otherwise (callers answer 404)."""
    return db.session.scalar(sa.select(Survey).where(Survey.id == survey_id, Survey.kommune_id == kommune_id))


def surveys_of_kommune(kommune_id: int) -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).where(Survey.kommune_id == kommune_id).order_by(Survey.id.desc())))


def create_survey(kommune: Kommune, creator: User | None, title: str, **settings: object) -> Survey:
    title = title.strip()
    if not title:
        raise SurveyError("Bitte geben Sie der Befragung einen Titel.")
    survey = Survey(kommune=kommune, title=title, created_by_id=creator.id if creator else None, **settings)
    survey.pages.append(SurveyPage(position=0, title="Seite 1"))
    db.session.add(survey)
    db.session.flush()
    return survey


def require_draft(survey: Survey) -> None:
    if not survey.is_draft:
        raise SurveyError(
            "Die Befragung ist bereits geöffnet; ihre Fragen sind eingefroren, damit sich nichts unter den "
            "Antwortenden ändert. Legen Sie eine Kopie an, um Fragen zu ändern."
        )


def add_question(survey: Survey, question: Question, page: SurveyPage | None = None, own: bool = False) -> SurveyItem:
    """Copy `question` into the survey (at the end of `page`, default: the last page)."""
    require_draft(survey)
    if any(item.key == question.key for item in survey.items):
        raise SurveyError(f"Die Frage „{question.prompt}“ ist bereits in der Befragung.")
    page = page or survey.pages[-1]
    item = SurveyItem(
        key=question.key,
        kind=question.kind,
        catalogue_version=None if own else question.version,
        prompt=question.prompt,
        required=question.required,
        definition=question_to_dict(question),
        position=max((i.position for i in survey.items), default=-1) + 1,
        page=page,
    )
    survey.items.append(item)
    db.session.flush()
    return item


def remove_item(survey: Survey, item: SurveyItem) -> None:
    require_draft(survey)
    survey.items.remove(item)
    db.session.flush()


def open_survey(survey: Survey) -> None:
    """Open the survey for answers; from now on its questions are frozen."""
    require_draft(survey)
    if not any(KINDS[item.kind].answerable for item in survey.items):
        raise SurveyError("Die Befragung braucht mindestens eine Frage, bevor sie geöffnet werden kann.")
    survey.state = SurveyState.OPEN
    survey.opened_at = utc_now()
    db.session.flush()


def close_survey(survey: Survey) -> None:
    if survey.state is not SurveyState.OPEN:
        raise SurveyError("Nur eine offene Befragung kann abgeschlossen werden.")
    survey.state = SurveyState.CLOSED
    survey.closed_at = utc_now()
    db.session.flush()


def pages_with_questions(survey: Survey) -> list[tuple[SurveyPage, list[Question]]]:
    """Each non-empty page with its questions (district options resolved)."""
    questions = {q.key: q for q in survey.questions()}
    return [(page, [questions[item.key] for item in page.items]) for page in survey.pages if page.items]

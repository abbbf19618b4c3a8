"""Answering: drafts saved exactly as typed, pages, conflicts between tabs, and submitting.

The draft (`Response.draft`) holds the raw form fields (name -> list of strings) of every page
the respondent has saved. Saving a page replaces only that page's fields. Typed answers are
computed from the draft on submit; until then nothing typed is ever thrown away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from questionnaires.conditions import visible
from questionnaires.kinds import KINDS, Parsed
from questionnaires.model import Question

from ..extensions import db
from ..models import Invitation, InvitationStatus, Response, utc_now
from .surveys import pages_with_questions


def belongs_to(name: str, question: Question) -> bool:
    """True when the form field `name` carries (part of) the answer to `question`."""
    return name == question.key or name.startswith(question.key + "/")


def page_fields(raw: Mapping[str, list[str]], questions: list[Question]) -> dict[str, list[str]]:
    """The posted fields that belong to `questions`, exactly as typed."""
    return {
        name: [str(v) for v in values]
        for name, values in raw.items()
        if any(belongs_to(name, q) for q in questions)
    }


def parse(questions: list[Question], raw: Mapping[str, list[str]]) -> Parsed:
    """Typed values and messages for the questions shown, given the raw answers."""
    result = Parsed()
    for question in questions:
        kind = KINDS[question.kind]
        if not kind.answerable:
            continue
        parsed = kind.parse(question, raw, question.key)
        result.values.update(parsed.values)
        result.errors.update(parsed.errors)
    return result


def start(invitation: Invitation) -> Response:
    """The invitation's response, created (and the invitation marked opened) on first visit."""
    response = db.session.query(Response).filter_by(invitation_id=invitation.id).one_or_none()
    if response is None:
        response = Response(survey_id=invitation.survey_id, invitation_id=invitation.id, draft={})
        db.session.add(response)
        if invitation.opened_at is None:
            invitation.opened_at = utc_now()
        if invitation.status in (InvitationStatus.CREATED, InvitationStatus.SENT, InvitationStatus.FAILED):
            invitation.status = InvitationStatus.OPENED
        db.session.flush()
    return response


@dataclass
class SaveResult:
    saved: bool
    conflict: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def save_page(response: Response, page_questions: list[Question], raw: Mapping[str, list[str]],
              page_index: int, base_revision: int | None, force: bool = False) -> SaveResult:
    """Store the page's raw fields in the draft; refuse (conflict) if the draft changed meanwhile.

    `base_revision` is the draft revision the page was rendered from. A different current revision
    means another tab or device saved in between; the caller shows both and the second save
    (`force`) wins.
    """
    fields = page_fields(raw, page_questions)
    if base_revision is not None and base_revision != response.revision and not force:
        old = {n: v for n, v in response.draft.items() if any(belongs_to(n, q) for q in page_questions)}
        if _meaningful(old) != _meaningful(fields):
            return SaveResult(saved=False, conflict=True)
    draft = {n: v for n, v in response.draft.items() if not any(belongs_to(n, q) for q in page_questions)}
    draft.update(fields)
    response.draft = draft
    response.current_page = page_index
    response.revision += 1
    response.saved_at = utc_now()
    invitation = response.invitation
    invitation.last_saved_at = response.saved_at
    if invitation.status is not InvitationStatus.SUBMITTED:
        invitation.status = InvitationStatus.IN_PROGRESS
    db.session.flush()
    return SaveResult(saved=True, errors=parse(page_questions, fields).errors)


def _meaningful(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {n: [v for v in vs if v.strip()] for n, vs in fields.items() if any(v.strip() for v in vs)}


def all_questions(response: Response) -> list[Question]:
    return [q for _page, questions in pages_with_questions(response.invitation.survey) for q in questions]


def shown_questions(questions: list[Question], draft: Mapping[str, list[str]]) -> list[Question]:
    """The questions whose conditions the draft's answers meet."""
    values = parse(questions, draft).values
    return visible(questions, values)


def missing_required(questions: list[Question], values: Mapping[str, Any]) -> dict[str, str]:
    return {
        q.key: "Bitte beantworten Sie diese Frage."
        for q in questions
        if q.required and KINDS[q.kind].answerable and KINDS[q.kind].is_empty(values.get(q.key))
    }


def submit(response: Response) -> dict[str, str]:
    """Write the typed answers and mark the response submitted; returns messages if not possible."""
    questions = shown_questions(all_questions(response), response.draft)
    parsed = parse(questions, response.draft)
    errors = {**missing_required(questions, parsed.values), **parsed.errors}
    if errors:
        return errors
    response.answers = {k: v for k, v in parsed.values.items() if v not in (None, "", [], {})}
    response.submitted_at = utc_now()
    invitation = response.invitation
    invitation.status = InvitationStatus.SUBMITTED
    invitation.submitted_at = response.submitted_at
    db.session.flush()
    return {}

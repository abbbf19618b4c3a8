"""Coding a survey's free-text answers into categories: which questions can be coded, the coding as
`analysis.coding.Coding`s for the dataset, the coding page's texts and suggestions, and the changes
(categories added, renamed, deleted; texts assigned; suggestions accepted or rejected).

Coding is analysis, not a change to answers: allowed in every state of the survey (also after it
closed), the raw answers stay as given. Audit entries name categories and count texts, never quote an
answer text (answers are the respondents' words); their before/after keys are German (the log shows them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from analysis import coding as coding_mod
from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS, TEXT
from questionnaires.model import Option, Question

from ..extensions import db
from ..models import CodingAssignment, CodingCategory, CodingRejection, Survey
from ..models.coding import LABEL_LENGTH
from . import audit
from .surveys import SurveyError


class CodingError(SurveyError):
    """A coding change was refused; the message is German and meant for the planner."""


def codable(question: Question) -> bool:
    """A question whose answers are the respondents' own short words: a text or a list of texts."""
    kind = KINDS.get(question.kind)
    return kind is not None and kind.free_text and kind.family == TEXT and kind.answerable


def codable_questions(survey: Survey) -> list[Question]:
    return [q for q in survey.questions() if codable(q)]


def question_of(survey: Survey, key: str) -> Question | None:
    """The codable question `key` of the survey, else None."""
    return next((q for q in codable_questions(survey) if q.key == key), None)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def category_code(category: CodingCategory) -> str:
    """A category's code in exports and charts: stable while it exists, also across renames."""
    return f"k{category.id}"


def categories(survey: Survey, key: str) -> list[CodingCategory]:
    return list(db.session.scalars(
        sa.select(CodingCategory).where(CodingCategory.survey_id == survey.id, CodingCategory.question_key == key)
        .order_by(CodingCategory.position, CodingCategory.id)))


def category(survey: Survey, key: str, category_id: int) -> CodingCategory | None:
    found = db.session.get(CodingCategory, category_id)
    return found if found is not None and found.survey_id == survey.id and found.question_key == key else None


def codings_of(survey: Survey) -> dict[str, coding_mod.Coding]:
    """Every coded question's coding (question key → `Coding`), in two queries."""
    rows = db.session.scalars(sa.select(CodingCategory).where(CodingCategory.survey_id == survey.id)
                              .order_by(CodingCategory.position, CodingCategory.id)).all()
    by_id = {c.id: c for c in rows}
    assigned: dict[str, dict[str, str]] = {}
    for text, category_id in db.session.execute(
            sa.select(CodingAssignment.text, CodingAssignment.category_id)
            .where(CodingAssignment.survey_id == survey.id)):
        found = by_id.get(category_id)
        if found is not None:
            assigned.setdefault(found.question_key, {})[text] = category_code(found)
    options: dict[str, list[Option]] = {}
    for c in rows:
        options.setdefault(c.question_key, []).append(Option(category_code(c), c.label))
    return {key: coding_mod.Coding(key, tuple(found), assigned.get(key, {})) for key, found in options.items()}


def stamp(survey: Survey) -> str:
    """A fingerprint of the survey's coding, for the results cache (every change changes it)."""
    categories_ = db.session.execute(sa.select(CodingCategory.id, CodingCategory.label, CodingCategory.position)
                                     .where(CodingCategory.survey_id == survey.id)
                                     .order_by(CodingCategory.id)).all()
    if not categories_:
        return ""
    assignments = db.session.execute(sa.select(CodingAssignment.id, CodingAssignment.category_id)
                                     .where(CodingAssignment.survey_id == survey.id)
                                     .order_by(CodingAssignment.id)).all()
    return hashlib.sha256(repr((categories_, assignments)).encode()).hexdigest()


# -- the coding page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodingPage:
    """What the coding page of one question shows."""

    question: Question
    categories: list[CodingCategory]
    groups: list[coding_mod.TextGroup]
    suggestions: list[coding_mod.Suggestion]
    coding: coding_mod.Coding
    similar: dict[str, list[tuple[str, float]]]  # uncoded text → alike uncoded texts (normal forms, score)

    def label(self, code: str | None) -> str:
        return self.coding.label(code) if code else coding_mod.UNCODED_LABEL

    def sizes(self) -> dict[str, int]:
        """Category code → how many distinct texts it holds."""
        found = {category_code(c): 0 for c in self.categories}
        for group in self.groups:
            if group.category in found:
                found[group.category] += 1
        return found

    @property
    def uncoded(self) -> int:
        return sum(1 for g in self.groups if g.category is None)

    def category_id(self, code: str) -> int | None:
        """The id of the category with `code` (the suggestion forms post it)."""
        return next((c.id for c in self.categories if category_code(c) == code), None)

    def shown_of(self, text: str) -> str:
        return next((g.shown for g in self.groups if g.text == text), text)


def _rejected(survey: Survey, key: str) -> set[tuple[str, str]]:
    rows = db.session.execute(sa.select(CodingRejection.text, CodingRejection.category_id)
                              .where(CodingRejection.survey_id == survey.id, CodingRejection.question_key == key))
    return {(text, f"k{category_id}") for text, category_id in rows}


def page(survey: Survey, question: Question, answers: Iterable[object]) -> CodingPage:
    """The distinct texts of `answers` (the question's values) with their categories, and the
    ranked suggestions for the uncoded ones."""
    coding = codings_of(survey).get(question.key) or coding_mod.Coding(question.key)
    groups = coding_mod.text_groups(answers, coding)
    found = coding_mod.suggestions(groups, coding, _rejected(survey, question.key)) if coding.categories else []
    return CodingPage(question, categories(survey, question.key), groups, found, coding,
                      coding_mod.similar_uncoded(groups))


# -- changes ----------------------------------------------------------------------------------------


def _clean_label(survey: Survey, key: str, label: str, keep: CodingCategory | None = None) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise CodingError("Bitte einen Namen für die Kategorie eingeben.")
    if len(label) > LABEL_LENGTH:
        raise CodingError(f"Bitte höchstens {fmt.number(LABEL_LENGTH)} Zeichen für den Namen eingeben "
                          f"(jetzt: {fmt.number(len(label))}).")
    if any(c.label.casefold() == label.casefold() and c is not keep for c in categories(survey, key)):
        raise CodingError(f"Die Kategorie „{label}“ gibt es bei dieser Frage schon.")
    return label


def add_category(survey: Survey, question: Question, label: str) -> CodingCategory:
    label = _clean_label(survey, question.key, label)
    position = len(categories(survey, question.key))
    found = CodingCategory(survey_id=survey.id, question_key=question.key, label=label, position=position)
    db.session.add(found)
    db.session.flush()
    audit.record(survey.kommune_id, "coding.category", f"Kategorie „{label}“ zu „{question.prompt}“ angelegt",
                 obj=found, survey_id=survey.id, after={"Name": label})
    return found


def rename_category(survey: Survey, question: Question, found: CodingCategory, label: str) -> None:
    old = found.label
    label = _clean_label(survey, question.key, label, keep=found)
    if label == old:
        return
    found.label = label
    db.session.flush()
    audit.record(survey.kommune_id, "coding.category", f"Kategorie „{old}“ zu „{question.prompt}“ in „{label}“ "
                 "umbenannt", obj=found, survey_id=survey.id, before={"Name": old}, after={"Name": label})


def delete_category(survey: Survey, question: Question, found: CodingCategory) -> int:
    """Delete a category; its texts are not assigned any more. Returns how many texts that were."""
    texts = db.session.scalar(sa.select(sa.func.count(CodingAssignment.id))
                              .where(CodingAssignment.category_id == found.id)) or 0
    audit.record(survey.kommune_id, "coding.category",
                 f"Kategorie „{found.label}“ zu „{question.prompt}“ gelöscht "
                 f"({fmt.counted(texts, 'Text', 'Texte')} wieder nicht zugeordnet)",
                 obj=found, survey_id=survey.id, before={"Name": found.label, "Texte": texts})
    db.session.execute(sa.delete(CodingAssignment).where(CodingAssignment.category_id == found.id))
    db.session.execute(sa.delete(CodingRejection).where(CodingRejection.category_id == found.id))
    db.session.delete(found)
    db.session.flush()
    return texts


def _assign(survey: Survey, key: str, texts: Sequence[str], target: CodingCategory | None) -> int:
    """Point each normal form at `target` (None: no category); the number of texts that changed."""
    hashes = {text_hash(t): t for t in texts if t}
    existing = {a.text_hash: a for a in db.session.scalars(
        sa.select(CodingAssignment).where(CodingAssignment.survey_id == survey.id,
                                          CodingAssignment.question_key == key,
                                          CodingAssignment.text_hash.in_(list(hashes))))} if hashes else {}
    changed = 0
    for digest, text in hashes.items():
        row = existing.get(digest)
        if target is None:
            if row is not None:
                db.session.delete(row)
                changed += 1
        elif row is None:
            db.session.add(CodingAssignment(survey_id=survey.id, question_key=key, text=text, text_hash=digest,
                                            category_id=target.id))
            changed += 1
        elif row.category_id != target.id:
            row.category_id = target.id
            changed += 1
    db.session.flush()
    return changed


def assign(survey: Survey, question: Question, texts: Sequence[str], target: CodingCategory | None) -> int:
    """Assign the texts (normal forms, as the page lists them) to `target`, or take them out of their
    category (None). Texts the question's answers do not hold are the caller's to refuse."""
    changed = _assign(survey, question.key, [coding_mod.normalise(t) for t in texts], target)
    if changed:
        what = fmt.counted(changed, "Text", "Texte")
        description = (f"{what} zu „{question.prompt}“ der Kategorie „{target.label}“ zugeordnet" if target
                       else f"Zuordnung von {what} zu „{question.prompt}“ aufgehoben")
        audit.record(survey.kommune_id, "coding.assigned", description, obj=target, survey_id=survey.id,
                     after={"Kategorie": target.label if target else None, "Texte": changed})
    return changed


def accept(survey: Survey, question: Question, text: str, target: CodingCategory) -> None:
    """Accept a suggestion: the text goes into the category."""
    if _assign(survey, question.key, [coding_mod.normalise(text)], target):
        audit.record(survey.kommune_id, "coding.suggestion",
                     f"Vorschlag angenommen: 1 Text zu „{question.prompt}“ der Kategorie „{target.label}“ zugeordnet",
                     obj=target, survey_id=survey.id, after={"Kategorie": target.label, "Entscheidung": "angenommen"})


def reject(survey: Survey, question: Question, text: str, target: CodingCategory) -> None:
    """Reject a suggestion: this text is not suggested for this category again."""
    norm = coding_mod.normalise(text)
    digest = text_hash(norm)
    known = db.session.scalar(sa.select(CodingRejection.id).where(CodingRejection.category_id == target.id,
                                                                  CodingRejection.text_hash == digest))
    if known is not None:
        return
    db.session.add(CodingRejection(survey_id=survey.id, question_key=question.key, text=norm, text_hash=digest,
                                   category_id=target.id))
    db.session.flush()
    audit.record(survey.kommune_id, "coding.suggestion",
                 f"Vorschlag abgelehnt: 1 Text zu „{question.prompt}“ nicht in Kategorie „{target.label}“",
                 obj=target, survey_id=survey.id, after={"Kategorie": target.label, "Entscheidung": "abgelehnt"})

"""Conditions set in the builder ("nur zeigen, wenn …"): which earlier questions a question may
depend on, checking a condition as the planner typed it, and storing it in the item's definition.

A condition lives in `SurveyItem.definition["condition"]` (shape: `questionnaires.serialize`), so
copies and follow-up waves carry it with the definition. `definition["condition_set"]` marks one the
planner set or changed here (a follow-up that takes a newer catalogue version keeps it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from questionnaires.conditions import describe, operators_for
from questionnaires.fieldnames import OTHER
from questionnaires.kinds import OTHER_LABEL, parse_number
from questionnaires.model import (
    AND,
    ANSWERED,
    CONTAINS,
    IS,
    NUMBER_OPERATORS,
    ONE_OF,
    OPERATOR_LABELS,
    OR,
    Clause,
    Condition,
    Option,
    Question,
)
from questionnaires.serialize import condition_from_plain, condition_questions, condition_to_plain

from ..models import Survey, SurveyItem
from . import audit
from .surveys import ordered_items, require_draft

SET_MARK = "condition_set"


@dataclass
class Row:
    """One clause of the form, as typed (kept as typed when the form comes back with messages)."""

    question: str = ""
    operator: str = ""
    values: list[str] = field(default_factory=list)
    number: str = ""


@dataclass
class Checked:
    """A condition checked: the condition (None when every row is empty), messages by row and for all."""

    condition: Condition | None = None
    errors: dict[int, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general


def earlier_questions(survey: Survey, item: SurveyItem) -> list[Question]:
    """The questions before `item` (survey order) that a condition can ask about."""
    found = []
    for other in ordered_items(survey):
        if other.id == item.id:
            break
        question = other.to_question(survey.district_options())
        if operators_for(question):
            found.append(question)
    return found


def choices(question: Question) -> list[Option]:
    """The answers a clause on `question` can name: the options offered (hidden ones left out) and
    "Sonstiges" if offered."""
    options = list(question.offered)
    if question.other and OTHER not in question.option_codes:
        options.append(Option(OTHER, OTHER_LABEL))
    return options


def rows_of(condition: Condition | None) -> list[Row]:
    """The form rows of a stored condition."""
    if condition is None:
        return []
    return [Row(c.question, c.operator, list(c.values),
                "" if c.number is None else str(c.number).replace(".", ",").removesuffix(",0"))
            for c in condition.clauses]


def stored(item: SurveyItem) -> Condition | None:
    return condition_from_plain(item.definition.get("condition"))


def _depends_on(survey: Survey, start: str, key: str) -> bool:
    """True when the question `start` depends, directly or through others, on `key`."""
    by_key = {i.key: i for i in survey.items}
    seen: set[str] = set()
    waiting = [start]
    while waiting:
        current = waiting.pop()
        if current == key:
            return True
        if current in seen or current not in by_key:
            continue
        seen.add(current)
        waiting.extend(condition_questions(by_key[current].definition.get("condition")))
    return False


def check(survey: Survey, item: SurveyItem, combinator: str, rows: list[Row]) -> Checked:
    """The condition the planner typed, or German messages for what does not fit (by row)."""
    result = Checked()
    earlier = {q.key: q for q in earlier_questions(survey, item)}
    present = {i.key: i for i in survey.items}
    if combinator not in (AND, OR):
        result.general.append("Bitte wählen Sie, ob alle Teile („und“) oder einer („oder“) zutreffen müssen.")
    clauses = []
    for n, row in enumerate(rows):
        if not row.question:
            if row.operator or row.values or row.number.strip():
                result.errors[n] = "Bitte wählen Sie eine frühere Frage."
            continue
        target = earlier.get(row.question)
        if target is None:
            if row.question == item.key:
                result.errors[n] = "Eine Frage kann nicht von ihrer eigenen Antwort abhängen."
            elif row.question in present:
                result.errors[n] = (f"„{present[row.question].prompt}“ kommt nicht vor dieser Frage; eine Bedingung "
                                    "kann nur nach früheren Fragen fragen. Verschieben Sie die Fragen oder wählen "
                                    "Sie eine andere.")
            else:
                result.errors[n] = "Diese Frage ist nicht (mehr) in der Befragung. Bitte wählen Sie eine andere."
            continue
        if _depends_on(survey, target.key, item.key):
            result.errors[n] = (f"„{target.prompt}“ wird selbst nur abhängig von dieser Frage gezeigt; so würden "
                                "sich beide gegenseitig ausblenden. Bitte wählen Sie eine andere Frage.")
            continue
        allowed = operators_for(target)
        if not row.operator:
            result.errors[n] = "Bitte wählen Sie, was für die Antwort gelten soll."
            continue
        if row.operator not in allowed:
            names = ", ".join(f"„{OPERATOR_LABELS[o]}“" for o in allowed)
            result.errors[n] = f"Diese Bedingung passt nicht zu „{target.prompt}“; möglich sind: {names}."
            continue
        if row.operator in NUMBER_OPERATORS:
            try:
                number = parse_number(row.number, integer=False) if row.number.strip() else None
            except ValueError:
                number = None
            if number is None:
                result.errors[n] = "Bitte geben Sie eine Zahl ein, z. B. 3 oder 2,5."
                continue
            clauses.append(Clause(target.key, row.operator, (), number))
            continue
        codes = [o.code for o in choices(target)]
        unknown = [v for v in row.values if v not in codes]
        if unknown:
            result.errors[n] = (f"Diese Antwort gibt es bei „{target.prompt}“ nicht (mehr) oder sie ist in dieser "
                                "Befragung ausgeblendet. Bitte wählen Sie neu.")
            continue
        values = tuple(v for v in codes if v in row.values)  # in the order of the options, each once
        if row.operator == ONE_OF and not values:
            result.errors[n] = "Bitte wählen Sie mindestens eine Antwort."
            continue
        if row.operator in (IS, CONTAINS) and len(values) != 1:
            result.errors[n] = "Bitte wählen Sie genau eine Antwort (für mehrere: „ist eine von“)."
            continue
        clauses.append(Clause(target.key, row.operator, values if row.operator != ANSWERED else ()))
    if not clauses and not result.errors and not result.general:
        result.general.append("Bitte wählen Sie mindestens eine frühere Frage und was für ihre Antwort gelten soll. "
                              "Ohne Bedingung: „Bedingung entfernen“.")
    if clauses:
        # one clause has nothing to combine: stored as "und", as the catalogue's and the codebook's are
        result.condition = Condition(tuple(clauses), combinator if combinator == OR and len(clauses) > 1 else AND)
    return result


def set_condition(survey: Survey, item: SurveyItem, condition: Condition | None) -> bool:
    """Store (or with None remove) the condition of `item`; False when nothing changed."""
    require_draft(survey)
    before = stored(item)
    if before == condition:
        return False
    definition = copy.deepcopy(item.definition)
    definition["condition"] = condition_to_plain(condition)
    definition[SET_MARK] = True
    item.definition = definition  # a new dict, so the JSON column sees the change
    items = {i.key: i for i in survey.items}

    def text(cond: Condition | None) -> str:
        return describe(cond, lambda key: items[key].to_question() if key in items else None) if cond else "keine"

    action = "entfernt" if condition is None else "geändert" if before else "gesetzt"
    audit.record(survey.kommune_id, "survey.condition", f"Bedingung von „{item.prompt}“ {action}", obj=survey,
                 survey_id=survey.id, before={"Bedingung": text(before)}, after={"Bedingung": text(condition)})
    return True


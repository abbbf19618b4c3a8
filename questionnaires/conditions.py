"""When a question is shown: evaluating `Condition`s against the answers given so far, and which
operators fit which earlier question (asked of the kind registry, never by kind name)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import formatting as fmt
from .fieldnames import OTHER
from .kinds import CHOICE, KINDS, NUMBER, OTHER_LABEL, is_empty
from .model import (
    ANSWERED,
    AT_LEAST,
    AT_MOST,
    CONTAINS,
    EQUALS,
    IS,
    NUMBER_OPERATORS,
    ONE_OF,
    OR,
    Clause,
    Condition,
    Question,
)


def operators_for(target: Question) -> tuple[str, ...]:
    """The operators a clause on `target` may use: option operators for choice kinds with one answer
    per question, number comparisons for numbers, "ist beantwortet" for every answerable kind."""
    kind = KINDS[target.kind]
    if not kind.answerable:
        return ()
    if kind.family == CHOICE and not kind.needs_items:
        return (CONTAINS, ONE_OF, ANSWERED) if kind.multiple else (IS, ONE_OF, ANSWERED)
    if kind.family == NUMBER:
        return (*NUMBER_OPERATORS, ANSWERED)
    return (ANSWERED,)


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def clause_met(clause: Clause, values: Mapping[str, Any]) -> bool:
    """True when the answer in `values` to the clause's question meets the clause."""
    answer = values.get(clause.question)
    if clause.operator == ANSWERED:
        return not is_empty(answer)
    if clause.operator in NUMBER_OPERATORS:
        number = _number(answer)
        if number is None or clause.number is None:
            return False
        if clause.operator == AT_LEAST:
            return number >= clause.number
        if clause.operator == AT_MOST:
            return number <= clause.number
        return number == clause.number
    codes = answer if isinstance(answer, list) else [] if answer is None else [answer]
    if clause.operator in (IS, CONTAINS):
        return bool(clause.values) and clause.values[0] in codes
    return any(code in clause.values for code in codes)  # ONE_OF (and an unknown operator: never met)


def holds(condition: Condition | None, values: Mapping[str, Any]) -> bool:
    """True when there is no condition, or all clauses ("und") / any clause ("oder") are met."""
    if condition is None or not condition.clauses:
        return True
    met = (clause_met(clause, values) for clause in condition.clauses)
    return any(met) if condition.combinator == OR else all(met)


def condition_met(question: Question, values: Mapping[str, Any]) -> bool:
    """True when `question` has no condition or the answers in `values` meet it."""
    return holds(question.condition, values)


def visible(questions: Iterable[Question], values: Mapping[str, Any]) -> list[Question]:
    """The questions to show, given the answers in `values`. The answer to a hidden question counts
    as not given, so a question that depends on it only on that answer is hidden too."""
    shown: list[Question] = []
    known = dict(values)
    for question in questions:
        if not condition_met(question, known):
            known.pop(question.key, None)
            continue
        shown.append(question)
    return shown


def _labels(target: Question | None, codes: Iterable[str], joiner: str) -> str:
    def label(code: str) -> str:
        if code == OTHER and target is not None and code not in target.option_codes:
            return OTHER_LABEL
        return target.option_label(code) if target is not None else code

    return f" {joiner} ".join(f"„{label(code)}“" for code in codes)


def _clause_text(clause: Clause, target: Question | None) -> str:
    prompt = f"„{target.prompt}“" if target is not None else f"die Frage {clause.question}"
    number = fmt.number(clause.number) if clause.number is not None else "…"
    if clause.operator == ANSWERED:
        return f"{prompt} beantwortet ist"
    if clause.operator == AT_LEAST:
        return f"die Antwort auf {prompt} mindestens {number} ist"
    if clause.operator == AT_MOST:
        return f"die Antwort auf {prompt} höchstens {number} ist"
    if clause.operator == EQUALS:
        return f"die Antwort auf {prompt} genau {number} ist"
    if clause.operator == CONTAINS:
        return f"bei {prompt} {_labels(target, clause.values[:1], 'oder')} gewählt ist"
    if clause.operator == IS:
        return f"{prompt} mit {_labels(target, clause.values[:1], 'oder')} beantwortet ist"
    return f"{prompt} mit {_labels(target, clause.values, 'oder')} beantwortet ist"


def describe(condition: Condition, question: Callable[[str], Question | None]) -> str:
    """"Nur wenn „…“ mit „Ja“ beantwortet ist und …": a condition as builder, preview and paper form
    say it; `question(key)` gives the earlier questions (None: not known)."""
    parts = [_clause_text(clause, question(clause.question)) for clause in condition.clauses]
    return "Nur wenn " + f" {condition.combinator} ".join(parts)


def offered_codes(question: Question) -> frozenset[str]:
    """The answer codes a clause on `question` may name: the options respondents are offered (not the
    ones hidden in this survey), and "Sonstiges" if offered."""
    return frozenset(question.offered_codes) | ({OTHER} if question.other else frozenset())


def condition_refs(question: Question) -> list[tuple[str, tuple[str, ...]]]:
    """(question key, option codes) of each clause of `question`'s condition that names options:
    what a follow-up wave must still offer for the condition to mean the same."""
    condition = question.condition
    if condition is None:
        return []
    return [(c.question, c.values) for c in condition.clauses if c.values]


__all__ = ["ANSWERED", "AT_LEAST", "AT_MOST", "CONTAINS", "EQUALS", "IS", "ONE_OF", "clause_met",
           "condition_met", "condition_refs", "describe", "holds", "offered_codes", "operators_for", "visible"]

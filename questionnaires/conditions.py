"""When a question is shown: evaluating `Condition`s against the answers given so far."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .model import Question


def condition_met(question: Question, values: Mapping[str, Any]) -> bool:
    """True when `question` has no condition or the answer it depends on has one of its values."""
    condition = question.condition
    if condition is None:
        return True
    answer = values.get(condition.question)
    if isinstance(answer, list):
        return any(code in condition.values for code in answer)
    return answer in condition.values


def visible(questions: Iterable[Question], values: Mapping[str, Any]) -> list[Question]:
    """The questions to show, given the answers in `values` (a hidden question hides its dependants)."""
    shown: list[Question] = []
    hidden: set[str] = set()
    for question in questions:
        depends_on = question.condition.question if question.condition else None
        if depends_on in hidden or not condition_met(question, values):
            hidden.add(question.key)
            continue
        shown.append(question)
    return shown

"""How each question kind appears in the browser: template helpers on top of the kinds registry.

Parsing, validation, empty checks and export columns live in `questionnaires.kinds`; a kind's
form markup is the macro of the same name in `templates/respond/fields.html`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask

from questionnaires.kinds import KINDS, OTHER, field_name
from questionnaires.model import Question


def first(raw: Mapping[str, list[str]], name: str) -> str:
    values = raw.get(name) or [""]
    return values[0]


def chosen(raw: Mapping[str, list[str]], name: str) -> list[str]:
    return list(raw.get(name) or [])


def entry_numbers(raw: Mapping[str, list[str]], name: str, blank: int = 1) -> list[int]:
    """Entry numbers present under `name/<n>/…`, plus `blank` new empty ones at the end."""
    pattern = re.compile(re.escape(name) + r"/(\d+)(?:/|$)")
    present = sorted({int(m.group(1)) for key in raw if (m := pattern.match(key))})
    start = (present[-1] + 1) if present else 0
    return present + list(range(start, start + blank))


def display_answer(question: Question, values: Mapping[str, Any]) -> str:
    text = KINDS[question.kind].display(question, values.get(question.key))
    other = values.get(f"{question.key}/{OTHER}")
    if other:
        text = f"{text} ({other})"
    return text


def dom_id(name: str) -> str:
    """An HTML id for a field name ("netzwerk.fokus/other" -> "f-netzwerk-fokus-other")."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        KINDS=KINDS, OTHER=OTHER, first=first, chosen=chosen, entry_numbers=entry_numbers,
        display_answer=display_answer, dom_id=dom_id, field_name=field_name,
    )

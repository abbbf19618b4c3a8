"""How each question kind appears in the browser: template helpers on top of the kinds registry.

Parsing, validation, empty checks and export columns live in `questionnaires.kinds`; a kind's
form markup is the macro of `templates/respond/fields.html` its `Kind.macro` names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from questionnaires import fieldnames as names
from questionnaires.kinds import CHOICE, ENTRIES, KINDS, OTHER, PARTNER_ACTOR, PARTNER_NAME, field_name, with_other
from questionnaires.model import Question
from questionnaires.serialize import condition_to_plain

from .services import waves

# The draft keys the follow-up wave's pre-fill writes (`services.waves`), as the entry rows read them.
PREFILL_KEYS = SimpleNamespace(entries=waves.entries_key, open=waves.open_key, changed=waves.entry_changed_key)


first = names.posted  # the templates show a field as typed
chosen = names.chosen


def entry_numbers(raw: Mapping[str, list[str]], name: str, blank: int = 1) -> list[int]:
    """Entry numbers present under `name/<n>/…`, plus `blank` new empty ones at the end."""
    present = names.entry_numbers(raw, name)
    start = (present[-1] + 1) if present else 0
    return present + list(range(start, start + blank))


def display_answer(question: Question, values: Mapping[str, Any]) -> str:
    text = KINDS[question.kind].display(question, values.get(question.key))
    return with_other(text, values.get(names.other(question.key)))


def entry_title(question: Question, raw: Mapping[str, list[str]], number: int) -> str:
    """How an entry is named in lists: the partner's name, or the group's first text field."""
    prefix = f"{question.key}/{number}/"
    if KINDS[question.kind].partners:
        return first(raw, prefix + PARTNER_NAME).strip() or "Organisation ohne Namen"
    for sub in question.fields:
        if KINDS[sub.kind].free_text and KINDS[sub.kind].macro == "textual":
            text = first(raw, prefix + field_name(sub)).strip()
            if text:
                return text if len(text) <= 80 else text[:77] + "…"
            break
    return "Eintrag ohne Namen"


def entry_detail(question: Question, raw: Mapping[str, list[str]], number: int) -> str:
    """A short second line for an entry in a list: the first answered choice field, as text."""
    prefix = f"{question.key}/{number}/"
    for sub in question.fields:
        if KINDS[sub.kind].family == CHOICE and not KINDS[sub.kind].needs_items:
            name = prefix + field_name(sub)
            parsed = KINDS[sub.kind].parse(sub, raw, name)
            value = parsed.values.get(sub.key)
            if not parsed.errors and not KINDS[sub.kind].is_empty(value):
                return KINDS[sub.kind].display(sub, value)
    return ""


def entry_errors(errors: Mapping[str, str], question: Question, number: int) -> list[str]:
    prefix = f"{question.key}/{number}/"
    return [message for name, message in errors.items() if name.startswith(prefix)]


def entries_display(question: Question, value: Any,
                    actor_names: Mapping[str, str] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each entry of a group or roster as (title, [(field prompt, answer text)]), for review and mail."""
    rows = []
    for n, entry in enumerate(value or [], start=1):
        if KINDS[question.kind].partners:
            named = (actor_names or {}).get(entry.get(PARTNER_ACTOR, ""), "")
            title = entry.get(PARTNER_NAME) or named or f"Partner {n}"
        else:
            title = f"Eintrag {n}"
        fields = []
        for sub in question.fields:
            short = field_name(sub)
            answer = entry.get(short)
            if KINDS[sub.kind].is_empty(answer):
                continue
            text = KINDS[sub.kind].display(sub, answer)
            other = entry.get(f"{short}/{OTHER}")
            fields.append((sub.prompt, with_other(text, other)))
        first_field = question.fields[0] if question.fields else None
        if (not KINDS[question.kind].partners and fields and first_field is not None
                and KINDS[first_field.kind].names_entry and fields[0][0] == first_field.prompt):
            title, fields = fields[0][1], fields[1:]
        rows.append((title, fields))
    return rows


def condition_attrs(question: Question) -> str:
    """A data-* attribute that lets respond.js show or hide a question as soon as it is answered:
    the condition as stored (`serialize.condition_to_plain`), which respond.js evaluates like
    `questionnaires.conditions` (the server decides again on every save)."""
    if question.condition is None:
        return ""
    plain = escape(json.dumps(condition_to_plain(question.condition)))
    return Markup(f' data-condition="{plain}"')


def _entry_of(name: str, questions: list[Question]) -> tuple[Question, int] | None:
    for q in questions:
        if KINDS[q.kind].family == ENTRIES and name.startswith(q.key + "/"):
            number = name[len(q.key) + 1:].split("/", 1)[0]
            if number.isdigit():
                return q, int(number)
    return None


def error_anchor(name: str, questions: list[Question], on_entry_page: bool = False) -> str:
    """Where an error message in the summary leads: the message at the field, or the entry's row."""
    entry = _entry_of(name, questions)
    if entry and not on_entry_page:
        return f"{dom_id(entry[0].key)}-{entry[1]}"
    return f"{dom_id(name)}-error"


def error_label(name: str, questions: list[Question], on_entry_page: bool = False) -> str:
    """The question an error belongs to, as the respondent reads it."""
    entry = _entry_of(name, questions)
    if entry:
        question, number = entry
        sub = name.rsplit("/", 1)[-1]
        prompt = next((f.prompt for f in question.fields if field_name(f) == sub), "")
        if on_entry_page:
            return prompt or question.prompt
        return f"{question.prompt} – Eintrag {number + 1}" + (f", {prompt}" if prompt else "")
    found = next((q for q in questions if q.key == name), None)
    return found.prompt if found else name


def dom_id(name: str) -> str:
    """An HTML id for a field name ("netzwerk.fokus/other" -> "f-netzwerk-fokus-other")."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def limit_hint(question: Question) -> str:
    """The kind's limit as the respondent reads it under the field ("höchstens 300 Zeichen")."""
    return KINDS[question.kind].hint(question)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        KINDS=KINDS, OTHER=OTHER, first=first, chosen=chosen, entry_numbers=entry_numbers,
        display_answer=display_answer, dom_id=dom_id, field_name=field_name, entry_title=entry_title,
        entry_detail=entry_detail, entry_errors=entry_errors, entries_display=entries_display,
        condition_attrs=condition_attrs, error_anchor=error_anchor, error_label=error_label,
        limit_hint=limit_hint, PREFILL_KEYS=PREFILL_KEYS,
    )

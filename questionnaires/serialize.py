"""Questions to and from plain dicts: how a survey stores its frozen copy of each question."""

from __future__ import annotations

from typing import Any

from .model import Condition, Option, Question


def _options(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"code": o.code, "label": o.label} for o in options]


def question_to_dict(question: Question) -> dict[str, Any]:
    """Everything needed to rebuild `question`, JSON-compatible."""
    data: dict[str, Any] = {
        "key": question.key,
        "kind": question.kind,
        "prompt": question.prompt,
        "version": question.version,
        "module": question.module,
        "section": question.section,
        "help": question.help,
        "required": question.required,
        "options": _options(question.options),
        "other": question.other,
        "items": _options(question.items),
        "minimum": question.minimum,
        "maximum": question.maximum,
        "integer": question.integer,
        "max_entries": question.max_entries,
        "condition": (
            {"question": question.condition.question, "values": list(question.condition.values)}
            if question.condition
            else None
        ),
        "fields": [question_to_dict(f) for f in question.fields],
    }
    return data


def question_from_dict(data: dict[str, Any]) -> Question:
    condition = data.get("condition")
    return Question(
        key=data["key"],
        kind=data["kind"],
        prompt=data.get("prompt", ""),
        version=data.get("version", 1),
        module=data.get("module", ""),
        section=data.get("section", ""),
        help=data.get("help", ""),
        required=data.get("required", False),
        options=tuple(Option(o["code"], o["label"]) for o in data.get("options", [])),
        other=data.get("other", False),
        items=tuple(Option(o["code"], o["label"]) for o in data.get("items", [])),
        minimum=data.get("minimum"),
        maximum=data.get("maximum"),
        integer=data.get("integer", True),
        max_entries=data.get("max_entries"),
        condition=Condition(condition["question"], tuple(condition["values"])) if condition else None,
        fields=tuple(question_from_dict(f) for f in data.get("fields", [])),
    )

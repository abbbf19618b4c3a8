"""Questions to and from plain data: the stored copy of a survey's question (a dict) and the
question rows of the codebook. Both follow the attributes of `model.Question`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field
from typing import Any

from .model import CODEBOOK_ATTRIBUTES, QUESTION_ATTRIBUTES, Condition, Option, Question


def _options(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"code": o.code, "label": o.label} for o in options]


def _to_plain(name: str, value: Any) -> Any:
    if name in ("options", "items"):
        return _options(value)
    if name == "condition":
        return {"question": value.question, "values": list(value.values)} if value else None
    if name == "fields":
        return [question_to_dict(f) for f in value]
    if name in ("hidden", "added"):
        return list(value)
    return value


def _from_plain(name: str, value: Any) -> Any:
    if name in ("options", "items"):
        return tuple(Option(o["code"], o["label"]) for o in value)
    if name == "condition":
        return Condition(value["question"], tuple(value["values"])) if value else None
    if name == "fields":
        return tuple(question_from_dict(f) for f in value)
    if name in ("hidden", "added"):
        return tuple(value)
    return value


def question_to_dict(question: Question) -> dict[str, Any]:
    """Everything needed to rebuild `question`, JSON-compatible (one entry per attribute)."""
    return {f.name: _to_plain(f.name, getattr(question, f.name)) for f in QUESTION_ATTRIBUTES}


def question_from_dict(data: Mapping[str, Any]) -> Question:
    """The question of `question_to_dict`; missing attributes take their defaults."""
    values: dict[str, Any] = {"key": data["key"], "kind": data["kind"], "prompt": data.get("prompt", "")}
    for f in QUESTION_ATTRIBUTES:
        if f.name not in values and f.name in data:
            values[f.name] = _from_plain(f.name, data[f.name])
    return Question(**values)


def codebook_cells(question: Question) -> list[Any]:
    """The codebook cells of a question's plain attributes (`CODEBOOK_ATTRIBUTES`; flags as 0/1)."""
    cells = []
    for f in CODEBOOK_ATTRIBUTES:
        value = getattr(question, f.name)
        cells.append(int(value) if isinstance(value, bool) else value)
    return cells


def _codebook_value(attribute: Field[Any], text: str) -> Any:
    """One codebook cell as the attribute's type (annotations are strings here)."""
    kind, default = str(attribute.type), attribute.default
    if kind == "bool":
        return text.strip() != "0" if default else text.strip() == "1"
    if kind == "int":
        return int(text) if text.strip() else default
    if kind == "str":
        return text
    if not text.strip():
        return None
    return int(text.strip()) if kind.startswith("int") else float(text.replace(",", "."))


def codebook_values(row: Mapping[str, str]) -> dict[str, Any]:
    """The plain attributes read back from a codebook question row (inverse of `codebook_cells`)."""
    return {f.name: _codebook_value(f, row.get(f.name, "")) for f in CODEBOOK_ATTRIBUTES}


# The codebook's word for where an adapted question's option comes from (`option_origin`).
ORIGIN_CATALOGUE, ORIGIN_ADDED, ORIGIN_HIDDEN = "Katalog", "in dieser Befragung ergänzt", "ausgeblendet"


def option_origin(question: Question, code: str) -> str:
    """Where option `code` of an adapted question comes from ("Katalog" / "in dieser Befragung ergänzt"),
    with "; ausgeblendet" when respondents are not offered it; "" for a question whose options were not adapted."""
    if not (question.added or question.hidden):
        return ""
    text = ORIGIN_ADDED if code in question.added else ORIGIN_CATALOGUE
    return f"{text}; {ORIGIN_HIDDEN}" if code in question.hidden else text


def origin_values(cells: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(`added`, `hidden`) read back from the origin cells of a question's options (code → text)."""
    return (tuple(c for c, text in cells.items() if ORIGIN_ADDED in text),
            tuple(c for c, text in cells.items() if ORIGIN_HIDDEN in text))

"""Questions to and from plain data: the stored copy of a survey's question (a dict) and the
question rows of the codebook. Both follow the attributes of `model.Question`.

Conditions are stored as `{"combinator": "und"|"oder", "clauses": [{"question", "operator",
"values"|"number"}, …]}`; the older shape `{"question", "values"}` (one "ist eine von" clause, as
stored before clauses existed) is still read. In the codebook a condition is one line of keys and
codes, e.g. `netzwerk.koordination ist eine von hauptamtlich_stelle|ehrenamtlich und x.anzahl Zahl ≥ 3`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field
from typing import Any

from .model import (
    AND,
    CODEBOOK_ATTRIBUTES,
    NUMBER_OPERATORS,
    ONE_OF,
    OPERATOR_LABELS,
    OR,
    QUESTION_ATTRIBUTES,
    Clause,
    Condition,
    Option,
    Question,
)

CODE_SPLIT = "|"  # option codes of one clause in the codebook


def _options(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"code": o.code, "label": o.label} for o in options]


def _number_plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def condition_to_plain(condition: Condition | None) -> dict[str, Any] | None:
    """The stored shape of a condition (None: no condition)."""
    if condition is None:
        return None
    clauses = []
    for c in condition.clauses:
        clause: dict[str, Any] = {"question": c.question, "operator": c.operator}
        if c.operator in NUMBER_OPERATORS:
            clause["number"] = _number_plain(c.number) if c.number is not None else None
        else:
            clause["values"] = list(c.values)
        clauses.append(clause)
    return {"combinator": condition.combinator, "clauses": clauses}


def condition_from_plain(value: Mapping[str, Any] | None) -> Condition | None:
    """The condition of `condition_to_plain`, or of the older `{"question", "values"}` shape."""
    if not value:
        return None
    if "clauses" not in value:
        return Condition.one_of(str(value["question"]), tuple(str(v) for v in value.get("values", ())))
    clauses = tuple(
        Clause(str(c["question"]), str(c.get("operator", ONE_OF)), tuple(str(v) for v in c.get("values", ())),
               c.get("number"))
        for c in value["clauses"])
    return Condition(clauses, OR if value.get("combinator") == OR else AND)


def condition_questions(value: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The keys a stored condition depends on (either shape)."""
    condition = condition_from_plain(value)
    return condition.questions if condition else ()


def condition_code_text(condition: Condition | None) -> str:
    """The codebook line of a condition ("" without one)."""
    if condition is None:
        return ""
    parts = []
    for c in condition.clauses:
        if c.operator in NUMBER_OPERATORS:
            rest = f" {_number_plain(c.number)}" if c.number is not None else ""
        else:
            rest = f" {CODE_SPLIT.join(c.values)}" if c.values else ""
        parts.append(f"{c.question} {OPERATOR_LABELS.get(c.operator, c.operator)}{rest}")
    return f" {condition.combinator} ".join(parts)


def condition_from_code_text(text: str) -> Condition | None:
    """The condition of a codebook line (`condition_code_text`); None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    combinator = OR if f" {OR} " in text else AND
    by_label = sorted(OPERATOR_LABELS.items(), key=lambda item: -len(item[1]))
    clauses = []
    for part in text.split(f" {combinator} "):
        key, _, rest = part.strip().partition(" ")
        operator, argument = ONE_OF, rest
        for code, label in by_label:
            if rest == label or rest.startswith(label + " "):
                operator, argument = code, rest[len(label):].strip()
                break
        if operator in NUMBER_OPERATORS:
            clauses.append(Clause(key, operator, (), float(argument.replace(",", ".")) if argument else None))
        else:
            clauses.append(Clause(key, operator, tuple(v for v in argument.split(CODE_SPLIT) if v)))
    return Condition(tuple(clauses), combinator)


def _to_plain(name: str, value: Any) -> Any:
    if name in ("options", "items"):
        return _options(value)
    if name == "condition":
        return condition_to_plain(value)
    if name == "fields":
        return [question_to_dict(f) for f in value]
    if name in ("hidden", "added"):
        return list(value)
    return value


def _from_plain(name: str, value: Any) -> Any:
    if name in ("options", "items"):
        return tuple(Option(o["code"], o["label"]) for o in value)
    if name == "condition":
        return condition_from_plain(value)
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
        if f.name == "condition":
            value = condition_code_text(value)
        cells.append(int(value) if isinstance(value, bool) else value)
    return cells


def _codebook_value(attribute: Field[Any], text: str) -> Any:
    """One codebook cell as the attribute's type (annotations are strings here)."""
    kind, default = str(attribute.type), attribute.default
    if attribute.name == "condition":
        return condition_from_code_text(text)
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

"""The registry of question kinds: how each kind is defined, parsed, checked and exported.

A kind is added here once (checklist: `questionnaires/README.md`, "Adding a kind"); the catalogue
loader, the builder, the respondent form (the field macro the kind names), the exports and the
reader, statistics, charts, waves and demo data all ask the kind, never compare its name.

Raw answers are what a browser posts, as `Mapping[str, list[str]]` (field name → values), read
through `questionnaires.fieldnames`. Field names derive from the question key: `key` itself,
`key/other` for "Sonstiges" text, `key/<item>` for matrix rows, `key/<n>` for list entries and
`key/<n>/<field>` for repeatable groups.
Typed values are JSON-compatible:

=================  ==========================================================
single_choice      option code (str)
multiple_choice    list of option codes
likert             scale option code (str)
short_text, long_text  str
number             int (or float when `integer = false`)
year               int
date               ISO date "YYYY-MM-DD"
matrix             {item code: scale option code}
list               list of str
district           list of district codes
partner_roster     list of {"actor": code or "", "name": str, <field key>: value …}
group              list of {<field key>: value …}
info               (no answer)
=================  ==========================================================

"Sonstiges" text of a choice question is a separate value under the key `<key>/other`.

Limits: every raw field a kind accepts has a `Limit` (`Kind.limit(question, part)`: characters per
value, values per field) and `Kind.over_limit` names the posted fields beyond it, with a German
message that states the limit. A respondent's save stores the fields within their limits and shows
the others back unsaved (`survey/services/responses.py`); fields a kind does not know are not
stored. `Kind.hint(question)` is the limit as the respondent reads it under the field.

Exports: each kind's `columns(question)` yields `Column`s, and both the header and every cell of
the row exports come from them, so the two cannot drift. A column belongs to the "Rohdaten"
variant (`RAW`: keys, codes, 0/1 indicators, for SPSS/R/Stata), to "lesbar" (`READABLE`: question
text, option labels, one "; "-joined column per multiple choice) or to both. `from_cells` reads the
"Rohdaten" cells back into typed values; `demo_answer` draws a valid answer (demo data, tests).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import fieldnames as names
from . import formatting as fmt
from .model import Option, Question

Raw = names.Raw
OTHER = names.OTHER
CURRENT_YEAR_SLACK = 5
RAW, READABLE = "raw", "readable"
PARTNER_ACTOR, PARTNER_NAME = "actor", "name"  # a roster entry's own fields
VARIANTS = (RAW, READABLE)
JOIN = "; "  # readable multiple answers
SPLIT = "|"  # raw multiple codes in one cell
OTHER_LABEL = "Sonstiges"
Values = Mapping[str, Any]
Cell = Callable[[Values], Any]
# Families of kinds (`Kind.family`): what other code asks instead of a kind's name.
CHOICE, NUMBER, TEXT, ENTRIES, INFO = "choice", "number", "text", "entries", "info"
NO_CHART = "none"


@dataclass(frozen=True)
class Column:
    """One export column: its key (the "Rohdaten" header), its readable header (`header`, plus
    `detail` for a part of a question, e.g. a matrix row) and how each variant reads its cell from
    the answers (key → value, as in `ResponseRecord.values`). A variant without a cell function
    does not have the column."""

    key: str
    header: str
    detail: str = ""
    raw: Cell | None = None
    readable: Cell | None = None

    def cell(self, variant: str) -> Cell | None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown export variant {variant!r}; use one of {', '.join(VARIANTS)}")
        return self.raw if variant == RAW else self.readable

    def header_of(self, variant: str) -> str:
        """The header in `variant` (readable ones unshortened: see `analysis.export`)."""
        if variant == RAW:
            return self.key
        return f"{self.header} – {self.detail}" if self.detail else self.header


def _get(key: str) -> Cell:
    return lambda values: _blank(values.get(key))


def _readable(key: str) -> Cell:
    """The readable cell of a plain value: a bool as "ja"/"nein", else as `_get`."""
    def cell(values: Values) -> Any:
        value = values.get(key)
        return ("ja" if value else "nein") if isinstance(value, bool) else _blank(value)

    return cell


def is_empty(value: Any) -> bool:
    """Whether a typed answer is empty (no answer given): the one test of it."""
    return value in (None, "", [], {})


def with_other(text: str, other: Any) -> str:
    """An answer as read, with its "Sonstiges" text: "Sonstiges (Aufsuchende Arbeit)"."""
    return f"{text} ({other})" if other else text


def _blank(value: Any) -> Any:
    """None for an empty answer, a bool as 0/1, else the value itself."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return int(value)
    return value


def _number_cell(text: str, decimal: str, integer: bool) -> int | float | None:
    """A number cell as written by the CSV export (`decimal` is "," or ".")."""
    text = text.strip()
    if not text:
        return None
    number = float(text.replace(decimal, ".") if decimal != "." else text)
    return int(number) if integer and number.is_integer() else number


_WORDS = ("Kita", "Familienzentrum", "Straße", "Übergang", "Jugend", "Größe", "„Zitat“", '"quoted"', "a;b",
          "1,5", "x|y", "=SUMME(A1)", "+49", "-3", "@mention", "'apostroph", "Zeile\nzwei", "Tab\tinnen", "ß€")


def demo_text(rng: random.Random, multiline: bool = False, words: int = 4) -> str:
    """A non-empty, stripped text that exercises CSV quoting and formula neutralisation."""
    pool = _WORDS if multiline else tuple(w for w in _WORDS if "\n" not in w)
    return " ".join(rng.choice(pool) for _ in range(rng.randint(1, words))).strip() or "Text"


class DemoSource(Protocol):
    """What the demo data (`survey.services.demo`) knows beyond a question: texts to write and
    partners to name, and how it answers a field of a group entry."""

    @property
    def long_texts(self) -> Sequence[str]:
        """Longer texts to pick from (a long text answer)."""
        ...

    def partners(self, rng: random.Random) -> list[tuple[str, str]]:
        """Register partners (code, name) one respondent names."""
        ...

    def field(self, question: Question, name: str) -> dict[str, list[str]]:
        """The raw answer to a field of an entry, posted as `name`."""
        ...


SHORT_TEXTS = ("Elterncafé", "Babyclub", "Sprechstunde")
TOPICS = ("Sprachförderung", "Übergang Kita–Grundschule", "Elternarbeit", "Kinderschutz", "Gesundheit")


CODE_MAX = 100  # characters of an option code as posted (catalogue codes are far shorter)
OTHER_MAX = 300  # "Sonstiges, und zwar" text
ENTRY_MAX = 300  # one entry of a list, a partner's name


def chars_hint(limit: int) -> str:
    return f"höchstens {fmt.number(limit)} Zeichen"


@dataclass(frozen=True)
class Limit:
    """What one raw field may hold: `chars` per value, `values` values; `message` says what to do
    when a value is longer (default: the character limit)."""

    chars: int
    values: int = 1
    message: str = ""

    def problem(self, values: list[str]) -> str:
        """The German message when `values` exceed this limit, else ""."""
        if len(values) > self.values:
            return (f"Nicht gespeichert: höchstens {fmt.number(self.values)} Angaben möglich "
                    f"(gesendet: {fmt.number(len(values))}).")
        longest = max((len(v) for v in values), default=0)
        if longest > self.chars:
            return self.message or (f"Nicht gespeichert: Bitte {chars_hint(self.chars)} eingeben "
                                    f"(jetzt: {fmt.number(longest)} Zeichen).")
        return ""


def _code_limit(values: int = 1) -> Limit:
    return Limit(CODE_MAX, values, "Nicht gespeichert: Bitte eine der angebotenen Antworten wählen.")


@dataclass
class Prefill:
    """Raw form fields rebuilt from a typed answer; `clean` is False when the answer did not fit.

    For a group or roster, `entries` is the number of entries rebuilt (numbered from 0) and
    `unfit` names, per entry number, the fields whose old answer was left out."""

    raw: dict[str, list[str]]
    clean: bool
    entries: int = 0
    unfit: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class Parsed:
    """The typed values read from raw input (key → value) and the messages for the respondent."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def parse_number(text: str, integer: bool) -> float | int:
    """Parse German or English notation ("1.234,5", "1.234", "20", "20.5"); raise ValueError otherwise.

    Dots that group digits in threes ("1.234", "1.234.567") are German thousands separators.
    """
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned or re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    number = float(cleaned)
    if integer:
        if not number.is_integer():
            raise ValueError(text)
        return int(number)
    return number


class Kind:
    """Base of all kinds. Subclasses override what differs.

    The class attributes are what the rest of the code asks instead of comparing kind names:
    `family` groups kinds for comparisons and forms, `summary` names the function of
    `analysis.statistics.SUMMARIES` that summarises an answer, `chart` the chart of
    `analysis.charts.defaults.CHARTS` that draws the summary.
    """

    name = ""
    label = ""
    answerable = True
    family = TEXT  # CHOICE | NUMBER | TEXT | ENTRIES | INFO
    needs_options = False
    needs_items = False  # a matrix: one answer per row (`items`)
    multiple = False  # the answer is a list of option codes
    districts = False  # the options are the survey's districts, filled in when it is built
    adapt_options = False  # a survey may add and hide options of a catalogue question of this kind
    partners = False  # entries name partners from the actor register (actor code, name)
    years = False  # a number that is a year (no decimals, no thousands separator)
    summary = "texts"  # frequencies | likert | numeric | entry_frequencies | texts | entry_count | none
    chart = NO_CHART  # bars | histogram | likert | texts | none
    own = False  # planners may add an own question ("eigene Frage") of this kind
    own_scale = ""  # the shared list (lists.toml) an own question of this kind takes as its options
    free_text = False  # the answer is the respondent's own words (row-level content, see `analysis.privacy`)
    # The form: the macro of `templates/respond/fields.html` that draws the field, and for the
    # "textual" one its details.
    macro = "textual"  # choices | textual | matrix | entry_list | group | roster | info
    multiline = False
    input_mode = ""  # the HTML inputmode ("decimal", "numeric")
    placeholder = ""
    short_input = False
    names_entry = False  # as the first field of a group, the answer names the entry (one line of text)

    def check_definition(self, question: Question) -> list[str]:
        """What is wrong with a question of this kind as defined in the catalogue."""
        problems = []
        if self.needs_options and not question.options:
            problems.append("hat keine Antwortoptionen (options)")
        if self.needs_items and not question.items:
            problems.append("hat keine Zeilen (items)")
        codes = [o.code for o in question.options] + [i.code for i in question.items]
        for code in codes:
            if not re.fullmatch(r"[a-z0-9_]+", code):
                problems.append(f"Optionscode {code!r} ist ungültig (nur a-z, 0-9, _)")
        seen = set()
        for code in [o.code for o in question.options]:
            if code in seen:
                problems.append(f"Optionscode {code!r} kommt doppelt vor")
            seen.add(code)
        entries = question.max_entries
        if entries is not None and (not isinstance(entries, int) or isinstance(entries, bool) or entries < 1):
            problems.append("max_entries muss eine ganze Zahl ab 1 sein")
        return problems

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        """Read the raw answer posted under field `name`; the value is stored under the key."""
        return Parsed()

    def limit(self, question: Question, part: str) -> Limit | None:
        """The limit of the raw field `<name>` (part "") or `<name>/<part>`; None: no such field."""
        return None

    def hint(self, question: Question) -> str:
        """The limit as shown under the field ("höchstens 300 Zeichen"); "" when there is nothing to say."""
        return ""

    def over_limit(self, question: Question, raw: Raw, name: str) -> tuple[dict[str, str], list[str]]:
        """The posted fields of this question beyond their limit (field name → German message)
        and the names of fields this question does not have (never stored)."""
        over: dict[str, str] = {}
        unknown: list[str] = []
        for field_name_, values in raw.items():
            if field_name_ != name and not field_name_.startswith(name + "/"):
                continue
            part = field_name_[len(name) + 1:]
            limit = self.limit(question, part)
            if limit is None:
                unknown.append(field_name_)
            elif message := limit.problem(list(values)):
                over[field_name_] = message
        return over, unknown

    def is_empty(self, value: Any) -> bool:
        return is_empty(value)

    def columns(self, question: Question) -> list[Column]:
        """This question's export columns (both variants); header and cells come from them."""
        if not self.answerable:
            return []
        return [Column(question.key, question.prompt, raw=_get(question.key), readable=self.readable_cell(question))]

    def readable_cell(self, question: Question) -> Cell:
        """The "lesbar" cell of the question's main column (the value; a bool as "ja"/"nein")."""
        return _readable(question.key)

    def export_columns(self, question: Question, variant: str = RAW) -> list[str]:
        """Column headers of this question in the wide export (derived from `columns`)."""
        return [c.header_of(variant) for c in self.columns(question) if c.cell(variant)]

    def export_cells(self, question: Question, value: Any, extra: Mapping[str, Any], variant: str = RAW) -> list[Any]:
        """Cells for `export_columns`; `extra` holds the other answers (for `/other` texts)."""
        values = {**extra, question.key: value}
        return [cell(values) for c in self.columns(question) if (cell := c.cell(variant))]

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        """The typed value(s) read back from "Rohdaten" cells (column key → text); key → value."""
        if not self.answerable:
            return {}
        return {question.key: cells.get(question.key) or None}

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        """Plausible raw form fields for one question, as a browser would post them (demo data);
        by default the fields of a `demo_answer`."""
        values = self.demo_answer(question, rng)
        return self.to_raw(question, values.get(question.key), name, values).raw

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        """A random answer valid for `question`, as `parse` would store it (key → value)."""
        return {}

    def display(self, question: Question, value: Any) -> str:
        """The answer as a respondent or planner reads it."""
        if self.is_empty(value):
            return "–"
        return str(value)

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        """Form fields that reproduce a typed `value` (to pre-fill a later wave).

        `clean` is False when part of the old answer has no place in `question` any more (an
        option code that was removed, say); such an answer is left out entirely.
        """
        if self.is_empty(value) or not self.answerable:
            return Prefill({}, True)
        return Prefill({name: [str(value)]}, True)


def _parse_other(question: Question, raw: Raw, name: str, chosen: bool, parsed: Parsed) -> None:
    """The "Sonstiges, und zwar" text, kept only when "Sonstiges" is chosen (and then required)."""
    if not question.other:
        return
    text = names.first(raw, f"{name}/{OTHER}") if chosen else ""
    parsed.values[f"{question.key}/{OTHER}"] = text or None
    if chosen and not text:
        parsed.errors[question.key] = "Bitte angeben, was mit „Sonstiges“ gemeint ist."


def _other_column(question: Question, key: str | None = None) -> Column:
    """The "Sonstiges, und zwar" text of a choice question (same cell in both variants)."""
    cell = _get(f"{question.key}/{OTHER}")
    return Column(key or f"{question.key}/{OTHER}", question.prompt, f"{OTHER_LABEL} (Text)", raw=cell, readable=cell)


def _demo_other(question: Question, rng: random.Random, chosen: bool) -> dict[str, Any]:
    if not question.other:
        return {}
    return {f"{question.key}/{OTHER}": demo_text(rng) if chosen else None}


def _label(question: Question, code: str) -> str:
    return OTHER_LABEL if code == OTHER else question.option_label(code)


class SingleChoice(Kind):
    name, label, needs_options, chart, family = "single_choice", "Einfachauswahl", True, "bars", CHOICE
    summary, own, macro, adapt_options = "frequencies", True, "choices", True

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        code = names.first(raw, name)
        if code and code not in question.offered_codes and not (question.other and code == OTHER):
            parsed.errors[question.key] = "Bitte eine der angebotenen Antworten wählen."
            return parsed
        parsed.values[question.key] = code or None
        _parse_other(question, raw, name, code == OTHER, parsed)
        return parsed

    def limit(self, question: Question, part: str) -> Limit | None:
        if part == "":
            return _code_limit()
        return Limit(OTHER_MAX) if part == OTHER and question.other else None

    def hint(self, question: Question) -> str:
        return f"„Sonstiges“: {chars_hint(OTHER_MAX)}" if question.other else ""

    def columns(self, question: Question) -> list[Column]:
        return super().columns(question) + ([_other_column(question)] if question.other else [])

    def readable_cell(self, question: Question) -> Cell:
        return lambda values: _label(question, code) if (code := values.get(question.key)) else None

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        values = {question.key: cells.get(question.key) or None}
        if question.other:
            values[f"{question.key}/{OTHER}"] = cells.get(f"{question.key}/{OTHER}") or None
        return values

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        return {name: [rng.choice(question.offered_codes)]} if question.offered else {}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        codes = list(question.offered_codes) + ([OTHER] if question.other else [])
        code = rng.choice(codes) if codes and rng.random() < 0.85 else None
        return {question.key: code, **_demo_other(question, rng, code == OTHER)}

    def display(self, question: Question, value: Any) -> str:
        if self.is_empty(value):
            return "–"
        return _label(question, value)

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        if self.is_empty(value):
            return Prefill({}, True)
        if value == OTHER and question.other:
            return Prefill({name: [OTHER], f"{name}/{OTHER}": [extra.get(f"{question.key}/{OTHER}") or ""]}, True)
        if value not in question.offered_codes:  # removed, or hidden in this survey
            return Prefill({}, False)
        return Prefill({name: [value]}, True)


class Likert(SingleChoice):
    name, label, chart, summary, own_scale = "likert", "Likert-Skala", "likert", "likert", "zustimmung_5"
    adapt_options = False  # a scale: an added or hidden point would change what the other points mean


class MultipleChoice(Kind):
    name, label, needs_options, chart, family = "multiple_choice", "Mehrfachauswahl", True, "bars", CHOICE
    summary, multiple, own, macro, adapt_options = "frequencies", True, True, "choices", True

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        codes = names.values(raw, name)
        allowed = set(question.offered_codes) | ({OTHER} if question.other else set())
        unknown = [c for c in codes if c not in allowed]
        if unknown:
            parsed.errors[question.key] = "Bitte nur angebotene Antworten wählen."
        ordered = [c for c in question.option_codes if c in codes]
        if question.other and OTHER in codes:
            ordered.append(OTHER)
        parsed.values[question.key] = ordered
        _parse_other(question, raw, name, OTHER in codes, parsed)
        return parsed

    def limit(self, question: Question, part: str) -> Limit | None:
        if part == "":
            return _code_limit(len(question.options) + 1)
        return Limit(OTHER_MAX) if part == OTHER and question.other else None

    def hint(self, question: Question) -> str:
        return f"„Sonstiges“: {chars_hint(OTHER_MAX)}" if question.other else ""

    def _codes(self, question: Question) -> list[str]:
        return list(question.option_codes) + ([OTHER] if question.other else [])

    def columns(self, question: Question) -> list[Column]:
        key = question.key
        joined = Column(key, question.prompt, raw=lambda values: SPLIT.join(values.get(key) or ()) or None,
                        readable=self.readable_cell(question))
        columns = [joined] + [self._indicator(question, code) for code in self._codes(question)]
        if question.other:
            columns.append(_other_column(question, f"{key}/{OTHER}_text"))
        return columns

    def _indicator(self, question: Question, code: str) -> Column:
        """A 0/1 column per option ("Rohdaten" only); empty when the question was not answered."""
        def cell(values: Values) -> int | None:
            chosen = values.get(question.key)
            return None if chosen is None else int(code in chosen)

        return Column(f"{question.key}/{code}", question.prompt, _label(question, code), raw=cell)

    def readable_cell(self, question: Question) -> Cell:
        return lambda values: JOIN.join(_label(question, c) for c in values.get(question.key) or ()) or None

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        key = question.key
        joined = cells.get(key, "")
        indicators = [cells.get(f"{key}/{code}", "") for code in self._codes(question)]
        chosen = [code for code in joined.split(SPLIT) if code] if joined else []
        values: dict[str, Any] = {key: chosen if joined or any(indicators) else None}
        if question.other:
            values[f"{key}/{OTHER}"] = cells.get(f"{key}/{OTHER}_text") or None
        return values

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        codes = list(question.offered_codes)
        raw = {name: rng.sample(codes, k=min(len(codes), rng.randint(1, 3)))} if codes else {}
        if question.other and rng.random() < 0.15:
            raw[name] = raw.get(name, []) + [OTHER]
            raw[f"{name}/{OTHER}"] = ["Aufsuchende Elternarbeit"]
        return raw

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        codes = [code for code in self._codes(question) if code not in question.hidden]
        if rng.random() < 0.15:
            return {question.key: None} if rng.random() < 0.5 else {question.key: [],
                                                                    **_demo_other(question, rng, False)}
        chosen = [code for code in codes if rng.random() < 0.5]
        return {question.key: chosen, **_demo_other(question, rng, OTHER in chosen)}

    def display(self, question: Question, value: Any) -> str:
        if self.is_empty(value):
            return "–"
        return ", ".join(_label(question, c) for c in value)

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        if self.is_empty(value):
            return Prefill({}, True)
        allowed = set(question.offered_codes) | ({OTHER} if question.other else set())
        if any(code not in allowed for code in value):
            return Prefill({}, False)
        raw = {name: list(value)}
        if OTHER in value:
            raw[f"{name}/{OTHER}"] = [extra.get(f"{question.key}/{OTHER}") or ""]
        return Prefill(raw, True)


class ShortText(Kind):
    name, label, chart, own, free_text, names_entry = "short_text", "Kurzer Text", "texts", True, True, True
    max_length = 300

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        text = names.first(raw, name)
        parsed = Parsed(values={question.key: text or None})
        if len(text) > self.max_length:
            parsed.errors[question.key] = f"Bitte {chars_hint(self.max_length)} eingeben."
        return parsed

    def limit(self, question: Question, part: str) -> Limit | None:
        return Limit(self.max_length) if part == "" else None

    def hint(self, question: Question) -> str:
        return chars_hint(self.max_length)

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        return {name: [rng.choice(SHORT_TEXTS if self.max_length <= ShortText.max_length else demo.long_texts)]}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        text = demo_text(rng, multiline=self.max_length > ShortText.max_length) if rng.random() < 0.8 else None
        return {question.key: text}


class LongText(ShortText):
    name, label, names_entry, multiline = "long_text", "Langer Text", False, True
    max_length = 5000


class Number(Kind):
    name, label, chart, family, summary, own = "number", "Zahl", "histogram", NUMBER, "numeric", True
    input_mode = "decimal"

    def check_definition(self, question: Question) -> list[str]:
        problems = super().check_definition(question)
        bounds = {"min": question.minimum, "max": question.maximum}
        for what, bound in bounds.items():
            if bound is not None and (not isinstance(bound, int | float) or isinstance(bound, bool)):
                problems.append(f"{what} muss eine Zahl sein")
                bounds[what] = None
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            problems.append("min darf nicht größer als max sein")
        return problems

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        text = names.first(raw, name)
        if not text:
            parsed.values[question.key] = None
            return parsed
        try:
            number = parse_number(text, question.integer)
        except ValueError:
            whole = "eine ganze Zahl" if question.integer else "eine Zahl"
            parsed.errors[question.key] = f"Bitte {whole} eingeben, z. B. 20."
            return parsed
        message = self._bounds_message(question, number)
        if message:
            parsed.errors[question.key] = message
        else:
            parsed.values[question.key] = number
        return parsed

    def _bounds_message(self, question: Question, number: float) -> str:
        low, high = question.minimum, question.maximum
        if low is not None and number < low or high is not None and number > high:
            if low is not None and high is not None:
                return f"Bitte eine Zahl zwischen {fmt.number(low)} und {fmt.number(high)} eingeben."
            if low is not None:
                return f"Bitte eine Zahl ab {fmt.number(low)} eingeben."
            return f"Bitte eine Zahl bis {fmt.number(high)} eingeben."
        return ""

    def limit(self, question: Question, part: str) -> Limit | None:
        return Limit(40, message="Nicht gespeichert: Bitte nur eine Zahl eingeben, z. B. 20.") if part == "" else None

    def hint(self, question: Question) -> str:
        low, high = question.minimum, question.maximum
        if low is not None and high is not None:
            return f"eine Zahl von {fmt.number(low)} bis {fmt.number(high)}"
        if low is not None:
            return f"eine Zahl ab {fmt.number(low)}"
        return f"eine Zahl bis {fmt.number(high)}" if high is not None else ""

    def display(self, question: Question, value: Any) -> str:
        return "–" if self.is_empty(value) else fmt.number(value)

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        if self.is_empty(value):
            return Prefill({}, True)
        text = str(value) if isinstance(value, int) else str(value).replace(".", ",")
        return Prefill({name: [text]}, True)

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        return {question.key: _number_cell(cells.get(question.key, ""), decimal, question.integer)}

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        low = int(question.minimum or 0)
        high = int(question.maximum or 50)
        return {name: [str(rng.randint(low, min(high, low + 60)))]}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        if rng.random() < 0.15:
            return {question.key: None}
        low = question.minimum if question.minimum is not None else -50
        high = question.maximum if question.maximum is not None else max(low, 0) + 5000
        if question.integer:
            return {question.key: rng.randint(int(-(-low // 1)), int(high // 1))}
        return {question.key: round(rng.uniform(low, high), rng.choice((0, 1, 2)))}


class Year(Number):
    name, label, years = "year", "Jahr", True
    input_mode, placeholder, short_input = "numeric", "JJJJ", True

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        text = names.first(raw, name)
        if not text:
            parsed.values[question.key] = None
            return parsed
        if not re.fullmatch(r"\d{4}", text):
            parsed.errors[question.key] = "Bitte eine Jahreszahl mit vier Ziffern eingeben, z. B. 2015."
            return parsed
        year = int(text)
        low, high = self._bounds(question)
        if not low <= year <= high:
            parsed.errors[question.key] = f"Bitte ein Jahr zwischen {int(low)} und {int(high)} eingeben."
            return parsed
        parsed.values[question.key] = year
        return parsed

    def check_definition(self, question: Question) -> list[str]:
        problems = super().check_definition(question)
        for what, bound in (("min", question.minimum), ("max", question.maximum)):
            if isinstance(bound, int | float) and not 1000 <= bound <= 9999:
                problems.append(f"{what} muss eine Jahreszahl mit vier Ziffern sein")
        return problems

    def limit(self, question: Question, part: str) -> Limit | None:
        return Limit(20, message="Nicht gespeichert: Bitte eine Jahreszahl mit vier Ziffern eingeben, z. B. 2015.") \
            if part == "" else None

    def hint(self, question: Question) -> str:
        low, high = self._bounds(question)
        return f"ein Jahr von {low} bis {high}"

    def _bounds(self, question: Question) -> tuple[int, int]:
        low = int(question.minimum) if question.minimum is not None else 1900
        this_year = dt.datetime.now(fmt.BERLIN).year
        high = int(question.maximum) if question.maximum is not None else this_year + CURRENT_YEAR_SLACK
        return low, high

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        return {question.key: _number_cell(cells.get(question.key, ""), decimal, integer=True)}

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        return {name: [str(rng.randint(2005, 2025))]}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        return {question.key: rng.randint(*self._bounds(question)) if rng.random() < 0.85 else None}

    def display(self, question: Question, value: Any) -> str:
        return "–" if self.is_empty(value) else str(value)


class Date(Kind):
    name, label, chart, own, placeholder = "date", "Datum", NO_CHART, True, "TT.MM.JJJJ"

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        text = names.first(raw, name)
        if not text:
            parsed.values[question.key] = None
            return parsed
        for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                parsed.values[question.key] = dt.date(*time.strptime(text, pattern)[:3]).isoformat()
                return parsed
            except ValueError:
                continue
        parsed.errors[question.key] = "Bitte ein Datum im Format TT.MM.JJJJ eingeben."
        return parsed

    def limit(self, question: Question, part: str) -> Limit | None:
        return Limit(20, message="Nicht gespeichert: Bitte ein Datum im Format TT.MM.JJJJ eingeben.") \
            if part == "" else None

    def readable_cell(self, question: Question) -> Cell:
        """A real date (the CSV writes TT.MM.JJJJ, a workbook a date cell)."""
        return lambda values: dt.date.fromisoformat(text) if (text := values.get(question.key)) else None

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        return {name: [f"{rng.randint(1, 28):02d}.0{rng.randint(1, 9)}.2025"]}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        day = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(12_000))
        return {question.key: day.isoformat() if rng.random() < 0.85 else None}

    def display(self, question: Question, value: Any) -> str:
        if self.is_empty(value):
            return "–"
        return fmt.date(value)


class Matrix(Kind):
    name, label, needs_options, needs_items, chart, family = "matrix", "Matrix", True, True, "likert", CHOICE
    summary, macro = "likert", "matrix"

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        answers = {}
        for item in question.items:
            code = names.first(raw, f"{name}/{item.code}")
            if code and code not in question.option_codes:
                parsed.errors[question.key] = "Bitte nur angebotene Antworten wählen."
            elif code:
                answers[item.code] = code
        parsed.values[question.key] = answers
        return parsed

    def limit(self, question: Question, part: str) -> Limit | None:
        return _code_limit() if part in {item.code for item in question.items} else None

    def columns(self, question: Question) -> list[Column]:
        return [self._row(question, item) for item in question.items]

    def _row(self, question: Question, item: Option) -> Column:
        def raw(values: Values) -> str | None:
            return (values.get(question.key) or {}).get(item.code) or None

        def readable(values: Values) -> str | None:
            code = raw(values)
            return question.option_label(code) if code else None

        return Column(f"{question.key}/{item.code}", question.prompt, item.label, raw=raw, readable=readable)

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        key = question.key
        return {key: {item.code: cells[f"{key}/{item.code}"]
                      for item in question.items if cells.get(f"{key}/{item.code}")}}

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        return {f"{name}/{item.code}": [rng.choice(question.option_codes)] for item in question.items}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        codes = question.option_codes
        return {question.key: {item.code: rng.choice(codes) for item in question.items if codes and rng.random() < 0.7}}

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        value = value or {}
        items = {item.code for item in question.items}
        raw = {f"{name}/{item}": [code]
               for item, code in value.items() if item in items and code in question.option_codes}
        return Prefill(raw, len(raw) == len(value))

    def display(self, question: Question, value: Any) -> str:
        if self.is_empty(value):
            return "–"
        return "; ".join(
            fmt.labelled(item.label, question.option_label(value[item.code]))
            for item in question.items if item.code in value
        )


class EntryList(Kind):
    name, label, chart, summary, macro = "list", "Liste kurzer Einträge", "bars", "entry_frequencies", "entry_list"
    free_text = True
    default_entries = 3

    def check_definition(self, question: Question) -> list[str]:
        problems = super().check_definition(question)
        if question.max_entries is None:
            problems.append("braucht max_entries (mindestens 1)")
        return problems

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        entries = [names.first(raw, f"{name}/{n}") for n in names.entry_numbers(raw, name)]
        return Parsed(values={question.key: [e for e in entries if e][: question.max_entries]})

    def limit(self, question: Question, part: str) -> Limit | None:
        # The form has max_entries fields, numbered from 0.
        count = question.max_entries or self.default_entries
        return Limit(ENTRY_MAX) if part.isdigit() and int(part) < count else None

    def hint(self, question: Question) -> str:
        count = question.max_entries or self.default_entries
        return f"bis zu {fmt.number(count)} Einträge, je {chars_hint(ENTRY_MAX)}"

    def columns(self, question: Question) -> list[Column]:
        def entry(n: int) -> Cell:
            return lambda values: next(iter((values.get(question.key) or [])[n:n + 1]), None)

        count = question.max_entries or self.default_entries
        columns = [Column(f"{question.key}/{n + 1}", question.prompt, f"Eintrag {n + 1}", raw=entry(n))
                   for n in range(count)]
        joined = Column(question.key, question.prompt,
                        readable=lambda values: JOIN.join(values.get(question.key) or ()) or None)
        return [joined, *columns]

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        count = question.max_entries or self.default_entries
        return {question.key: [cells[f"{question.key}/{n}"]
                               for n in range(1, count + 1) if cells.get(f"{question.key}/{n}")]}

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        topics = rng.sample(list(TOPICS), k=min(3, question.max_entries or 3))
        return {f"{name}/{n}": [t] for n, t in enumerate(topics)}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        count = question.max_entries or self.default_entries
        return {question.key: [demo_text(rng, words=2) for _ in range(rng.randint(0, count))]}

    def display(self, question: Question, value: Any) -> str:
        return "–" if self.is_empty(value) else "; ".join(value)

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        entries = list(value or [])
        return Prefill({f"{name}/{n}": [entry] for n, entry in enumerate(entries)}, True)


class District(MultipleChoice):
    """Districts of the survey's Kommune; the options are filled in when the survey is built."""

    name, label, needs_options, chart, districts, own = "district", "Stadtteil/Sozialraum", False, "bars", True, False
    adapt_options = False  # the options are the Kommune's districts

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        codes = names.values(raw, name)
        known = set(question.option_codes)
        parsed.values[question.key] = [c for c in question.option_codes if c in codes]
        if any(c not in known for c in codes):
            parsed.errors[question.key] = "Bitte nur Stadtteile aus der Liste wählen."
        return parsed

    def limit(self, question: Question, part: str) -> Limit | None:
        return _code_limit(len(question.options)) if part == "" else None

    def hint(self, question: Question) -> str:
        return ""

    def columns(self, question: Question) -> list[Column]:
        key = question.key
        return [Column(key, question.prompt, raw=lambda values: SPLIT.join(values.get(key) or ()) or None,
                       readable=self.readable_cell(question))]

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        joined = cells.get(question.key, "")
        return {question.key: [code for code in joined.split(SPLIT) if code]}

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        return {question.key: [code for code in question.option_codes if rng.random() < 0.4]}


class Group(Kind):
    """A repeatable group of fields (e.g. one entry per offer)."""

    name, label, chart, family = "group", "Wiederholbare Gruppe", NO_CHART, ENTRIES
    summary, macro = "entry_count", "group"
    default_entries = 3

    def check_definition(self, question: Question) -> list[str]:
        problems = super().check_definition(question)
        if not question.fields:
            problems.append("hat keine Felder (fields)")
        seen = set()
        for sub in question.fields:
            if sub.kind in ("group", "partner_roster"):
                problems.append(f"Feld {sub.key!r}: Gruppen können nicht verschachtelt werden")
            if sub.key in seen:
                problems.append(f"Feld {sub.key!r} kommt doppelt vor")
            seen.add(sub.key)
        return problems

    def parse_entry(self, question: Question, raw: Raw, prefix: str) -> tuple[dict[str, Any], dict[str, str]]:
        """One entry's fields, keyed by the field key's last part."""
        entry: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for sub in question.fields:
            kind = KINDS[sub.kind]
            short = field_name(sub)
            result = kind.parse(sub, raw, f"{prefix}/{short}")
            for key, value in result.values.items():
                entry[key.replace(sub.key, short, 1)] = value
            for message in result.errors.values():
                errors[f"{prefix}/{short}"] = message
        return entry, errors

    def limit(self, question: Question, part: str) -> Limit | None:
        """Fields of entry n: `<n>/<field>` and the field's own parts (`<n>/<field>/other`)."""
        number, _, rest = part.partition("/")
        if not number.isdigit() or len(number) > 6:
            return None
        short, _, sub_part = rest.partition("/")
        return self._field_limit(question, short, sub_part)

    def _field_limit(self, question: Question, short: str, sub_part: str) -> Limit | None:
        sub = next((f for f in question.fields if field_name(f) == short), None)
        return KINDS[sub.kind].limit(sub, sub_part) if sub is not None else None

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        entries = []
        for n in names.entry_numbers(raw, name):
            entry, errors = self.parse_entry(question, raw, f"{name}/{n}")
            if any(not KINDS[sub.kind].is_empty(entry.get(field_name(sub))) for sub in question.fields):
                entries.append(entry)
            for field_key, message in errors.items():
                parsed.errors[field_key] = message
        parsed.values[question.key] = entries[: question.max_entries]
        return parsed

    def columns(self, question: Question) -> list[Column]:
        def count(values: Values) -> int:
            return len(values.get(question.key) or ())

        return [Column(f"{question.key}/anzahl", question.prompt, "Anzahl der Einträge", raw=count, readable=count)]

    def entry_columns(self, question: Question) -> list[Column]:
        """The columns of one entry in the entries export (one row per entry); cells read
        `entry_values`."""
        return [column for sub in question.fields for column in KINDS[sub.kind].columns(sub)]

    def entry_values(self, question: Question, entry: Mapping[str, Any]) -> dict[str, Any]:
        """An entry's values keyed by full field key (`<group key>.<short>`, `…/other`)."""
        by_short: dict[str, list[tuple[str, Any]]] = {}
        for name, value in entry.items():  # one pass over the entry, not one per field
            by_short.setdefault(name.partition("/")[0], []).append((name, value))
        values = {}
        for sub in question.fields:
            short = field_name(sub)
            for name, value in by_short.get(short, ()):
                values[sub.key + name[len(short):]] = value
        return values

    def entry_from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        """One entry read back from its row of the entries export (inverse of `entry_values`)."""
        entry: dict[str, Any] = {}
        for sub in question.fields:
            short = field_name(sub)
            for name, value in KINDS[sub.kind].from_cells(sub, cells, decimal).items():
                entry[short + name[len(sub.key):]] = value
        return entry

    def from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        return {}  # the entries come from their own export (`entry_from_cells`)

    def demo_entry(self, question: Question, rng: random.Random) -> dict[str, Any]:
        """One entry with at least one field answered (an empty entry is not stored)."""
        for _attempt in range(20):
            entry: dict[str, Any] = {}
            for sub in question.fields:
                short = field_name(sub)
                for key, value in KINDS[sub.kind].demo_answer(sub, rng).items():
                    entry[short + key[len(sub.key):]] = value
            if any(not KINDS[sub.kind].is_empty(entry.get(field_name(sub))) for sub in question.fields):
                return entry
        return entry

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        raw: dict[str, list[str]] = {}
        for n in range(rng.randint(1, 4)):
            for sub in question.fields:
                raw.update(demo.field(sub, f"{name}/{n}/{field_name(sub)}"))
        return raw

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        count = rng.randint(0, question.max_entries or self.default_entries)
        entries = [self.demo_entry(question, rng) for _ in range(count)]
        return {question.key: [e for e in entries if any(
            not KINDS[sub.kind].is_empty(e.get(field_name(sub))) for sub in question.fields)]}

    def entry_to_raw(self, question: Question, entry: Mapping[str, Any], prefix: str) -> Prefill:
        """One entry's fields; a field whose old answer does not fit is left out and named in
        `unfit[0]`."""
        raw: dict[str, list[str]] = {}
        unfit = []
        for sub in question.fields:
            short = field_name(sub)
            extra = {f"{sub.key}/{OTHER}": entry.get(f"{short}/{OTHER}")}
            result = KINDS[sub.kind].to_raw(sub, entry.get(short), f"{prefix}/{short}", extra)
            if result.clean:
                raw.update(result.raw)
            else:
                unfit.append(short)
        return Prefill(raw, not unfit, 1, {0: unfit} if unfit else {})

    def entry_head(self, entry: Mapping[str, Any], prefix: str) -> dict[str, list[str]]:
        """The fields an entry has besides the questions of `fields` (a roster's partner)."""
        return {}

    def to_raw(self, question: Question, value: Any, name: str, extra: Mapping[str, Any]) -> Prefill:
        """The entries renumbered from 0 (anything that is not an entry is skipped)."""
        raw: dict[str, list[str]] = {}
        unfit: dict[int, list[str]] = {}
        entries = [entry for entry in value or [] if isinstance(entry, Mapping)]
        for n, entry in enumerate(entries):
            prefix = f"{name}/{n}"
            raw.update(self.entry_head(entry, prefix))
            result = self.entry_to_raw(question, entry, prefix)
            raw.update(result.raw)
            if result.unfit:
                unfit[n] = result.unfit[0]
        return Prefill(raw, not unfit, len(entries), unfit)

    def display(self, question: Question, value: Any) -> str:
        if self.is_empty(value):
            return "–"
        return f"{len(value)} Einträge"


class PartnerRoster(Group):
    """Partners chosen from the Kommune's actor register (or named freely), each with attributes."""

    name, label, chart, partners, macro = "partner_roster", "Kooperationspartner", NO_CHART, True, "roster"

    def check_definition(self, question: Question) -> list[str]:
        problems = [p for p in super().check_definition(question) if "keine Felder" not in p]
        for sub in question.fields:
            if field_name(sub) in ("actor", "name"):
                problems.append(f"Feld {sub.key!r}: der Name {field_name(sub)!r} ist für den Partner selbst reserviert")
        return problems

    def parse(self, question: Question, raw: Raw, name: str) -> Parsed:
        parsed = Parsed()
        partners = []
        for n in names.entry_numbers(raw, name):
            prefix = f"{name}/{n}"
            actor = names.first(raw, f"{prefix}/actor")
            partner_name = names.first(raw, f"{prefix}/name")
            if not actor and not partner_name:
                continue
            entry, errors = self.parse_entry(question, raw, prefix)
            partners.append({"actor": actor, "name": partner_name, **entry})
            parsed.errors.update(errors)
        parsed.values[question.key] = partners[: question.max_entries]
        return parsed

    def _field_limit(self, question: Question, short: str, sub_part: str) -> Limit | None:
        if short == PARTNER_ACTOR and not sub_part:
            return Limit(CODE_MAX, message="Nicht gespeichert: Bitte eine Organisation aus der Liste wählen.")
        if short == PARTNER_NAME and not sub_part:
            return Limit(ENTRY_MAX)
        return super()._field_limit(question, short, sub_part)

    def display(self, question: Question, value: Any) -> str:
        if self.is_empty(value):
            return "–"
        return ", ".join(p.get("name") or p.get("actor") for p in value)

    def entry_columns(self, question: Question) -> list[Column]:
        partner = [Column(f"{question.key}.{name}", "Partner", detail, raw=_get(f"{question.key}.{name}"),
                          readable=_get(f"{question.key}.{name}"))
                   for name, detail in ((PARTNER_ACTOR, "Code im Akteursregister"), (PARTNER_NAME, "Name"))]
        return partner + super().entry_columns(question)

    def entry_values(self, question: Question, entry: Mapping[str, Any]) -> dict[str, Any]:
        values = super().entry_values(question, entry)
        for name in (PARTNER_ACTOR, PARTNER_NAME):
            values[f"{question.key}.{name}"] = entry.get(name) or ""
        return values

    def entry_from_cells(self, question: Question, cells: Mapping[str, str], decimal: str = ".") -> dict[str, Any]:
        partner = {name: cells.get(f"{question.key}.{name}", "") for name in (PARTNER_ACTOR, PARTNER_NAME)}
        return {**partner, **super().entry_from_cells(question, cells, decimal)}

    def demo_raw(self, question: Question, name: str, rng: random.Random, demo: DemoSource) -> dict[str, list[str]]:
        raw: dict[str, list[str]] = {}
        for n, (code, partner_name) in enumerate(demo.partners(rng)):
            raw[f"{name}/{n}/{PARTNER_ACTOR}"] = [code]
            raw[f"{name}/{n}/{PARTNER_NAME}"] = [partner_name]
            for sub in question.fields:
                raw.update(demo.field(sub, f"{name}/{n}/{field_name(sub)}"))
        return raw

    def demo_answer(self, question: Question, rng: random.Random) -> dict[str, Any]:
        partners = []
        for _ in range(rng.randint(0, question.max_entries or self.default_entries)):
            actor = rng.choice(("", "", "a1", "a2", "a3"))
            name = "" if actor and rng.random() < 0.5 else demo_text(rng, words=3)
            partners.append({PARTNER_ACTOR: actor, PARTNER_NAME: name, **self.demo_entry(question, rng)})
        return {question.key: partners}

    def entry_head(self, entry: Mapping[str, Any], prefix: str) -> dict[str, list[str]]:
        return {f"{prefix}/{name}": [str(entry.get(name) or "")] for name in (PARTNER_ACTOR, PARTNER_NAME)}


class Info(Kind):
    name, label, answerable, family, summary, macro = "info", "Informationstext", False, INFO, "none", "info"


def field_name(question: Question) -> str:
    """The last part of a group field's key, used in field names and entry dicts."""
    return question.key.rsplit(".", 1)[-1]


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        SingleChoice(),
        MultipleChoice(),
        Likert(),
        ShortText(),
        LongText(),
        Number(),
        Year(),
        Date(),
        Matrix(),
        EntryList(),
        District(),
        PartnerRoster(),
        Group(),
        Info(),
    )
}


def kind_of(question: Question) -> Kind:
    return KINDS[question.kind]

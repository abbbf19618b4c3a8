"""Exports: responses, offers/partners, codebook and actors as CSV (streamed) or XLSX; network
edge list and GraphML. (The PDF report is `report.pdf_report`.)

Row exports come in two variants, both built from the column definitions of the kinds
(`questionnaires.kinds.Column`), so header and cells cannot drift:

* ``raw`` ("Rohdaten", for SPSS/R/Stata): headers are keys, cells codes; ``id, status,
  submitted_at, actor, organisation, entered_on_behalf`` (paper | phone | other when a planner entered
  the answers, else empty) then, per question, its columns (multiple choice: one joined
  column "a|b" plus one 0/1 column per option and the "Sonstiges" text). Read back by `reader`.
* ``readable`` ("lesbar"): headers are the question texts, shortened and made unique (the codebook
  maps each back to its column key, ``role = spalte``); option labels; a multiple choice is one
  column of labels joined with "; "; lists one joined column; dates as `datetime.date`.

`response_rows` / `entry_rows` yield the header, then rows of Python values (str, int, float,
None; `submitted_at` as an aware UTC `datetime` in both variants). The CSV writer formats times:
raw ISO 8601 UTC without microseconds (``2024-03-01T10:00:00Z``), readable ``TT.MM.JJJJ HH:MM``
Berlin time (`csvdialect.format_cell`).

* entries (offers, partners): one row per entry of a group or roster question, ``response_id,
  entry`` (1-based; readable: ``Antwort-Nr., Einrichtung, Eintrag``) then the kind's entry columns
  (a roster: ``<key>.actor, <key>.name``; then each field's columns, keys ``<group key>.<short>``).
* codebook: one row per question or group field (``role = frage``) followed by its options
  (``role = option``), matrix rows (``role = zeile``) and the readable header of each column
  (``role = spalte``, code = column key), a coded question's categories (``role = kategorie``);
  the survey title and the vocabularies (districts,
  sectors, provider types) are rows under the pseudo keys in `META_KEYS`.
* actors: ``code, name, sector, provider_type, districts`` ("|"-joined).

CSV functions return generators of encoded chunks: pass them straight to a streaming response.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from questionnaires import formatting as fmt
from questionnaires.kinds import RAW, READABLE, VARIANTS, Cell, Column, Group, kind_of
from questionnaires.model import CODEBOOK_ATTRIBUTES, Option, Question
from questionnaires.serialize import codebook_cells, option_origin

from . import keys
from .coding import Coding, category_column
from .csvdialect import stream_rows
from .dataset import ActorRecord, Correction, Dataset, ResponseRecord

ROSTER_COLUMNS = (keys.PARTNER_ACTOR, keys.PARTNER_NAME)
# The codebook: a question's key, place and text, an option's code and label, then the question's
# plain attributes (`CODEBOOK_ATTRIBUTES` of `questionnaires.model`), last the wording corrections
# made after the survey was opened (on the row of the text corrected; not needed to read a codebook back).
# Before them, on the option rows of a question whose options the survey adapted, where each option comes
# from ("Katalog" / "in dieser Befragung ergänzt", "; ausgeblendet": `serialize.option_origin`).
CORRECTIONS_COLUMN = "Korrekturen nach dem Start"
ORIGIN_COLUMN = "Herkunft der Antwort"
CODEBOOK_COLUMNS = [
    "key", "parent", "role", "kind", "prompt", "code", "label", *(f.name for f in CODEBOOK_ATTRIBUTES),
    ORIGIN_COLUMN, CORRECTIONS_COLUMN,
]
ACTOR_COLUMNS = ["code", "name", "sector", "provider_type", "districts"]
META_KEYS = {
    "title": "_meta.titel",
    "districts": "_meta.stadtteile",
    "sectors": "_meta.sektoren",
    "provider_types": "_meta.traegerarten",
}
ROLE_QUESTION, ROLE_OPTION, ROLE_ITEM, ROLE_COLUMN = "frage", "option", "zeile", "spalte"
ROLE_CATEGORY = "kategorie"  # a category of a coded free-text question (`coding`)


# -- rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fixed:
    """A leading column of the row exports (not a question): raw key, readable header, cells."""

    key: str
    header: str
    raw: Callable[[ResponseRecord], Any]
    readable: Callable[[ResponseRecord], Any]

    def cell(self, variant: str) -> Callable[[ResponseRecord], Any]:
        return self.raw if variant == RAW else self.readable


STATUS_LABELS = {keys.SUBMITTED: "abgeschickt", keys.IN_PROGRESS: "in Bearbeitung"}
_SUBMITTED_AT = (lambda r: r.submitted_at,) * 2
RESPONSE_FIXED = (
    _Fixed("id", "Nr.", lambda r: r.id, lambda r: r.id),
    _Fixed("status", "Status", lambda r: r.status, lambda r: STATUS_LABELS.get(r.status, r.status)),
    _Fixed("submitted_at", "Abgeschickt am", *_SUBMITTED_AT),
    _Fixed("actor", "Akteur (Code)", lambda r: r.actor or None, lambda r: r.actor or None),
    _Fixed("organisation", "Einrichtung", lambda r: r.organisation, lambda r: r.organisation),
    # Last of the fixed columns, so existing scripts reading the first five by position keep working.
    _Fixed("entered_on_behalf", "Im Auftrag erfasst", lambda r: r.on_behalf or None,
           lambda r: r.on_behalf_note or keys.ON_BEHALF_SOURCES.get(r.on_behalf) or None),
)
RESPONSE_COLUMNS = [column.key for column in RESPONSE_FIXED]
ENTRY_COLUMNS = ["response_id", "entry"]
ENTRY_READABLE = ["Antwort-Nr.", "Einrichtung", "Eintrag"]
HEADER_CHARS, DETAIL_CHARS = 60, 40


def _check(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown export variant {variant!r}; use one of {', '.join(VARIANTS)}")
    return variant


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters ("…" added)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:–-") + "…"


def readable_header(column: Column) -> str:
    """A column's "lesbar" header: the question text (shortened), then the part it holds."""
    header = shorten(column.header, HEADER_CHARS) or column.key
    return f"{header} – {shorten(column.detail, DETAIL_CHARS)}" if column.detail else header


def unique(headers: Iterable[str]) -> list[str]:
    """Headers made unique by numbering repeats ("Name", "Name (2)"), as spreadsheets and R need."""
    seen: set[str] = set()
    result = []
    for header in headers:
        candidate, n = header, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{header} ({n})"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def _header(fixed: Sequence[str], columns: Sequence[Column], variant: str) -> list[str]:
    if variant == RAW:
        return [*fixed, *(c.key for c in columns)]
    return unique([*fixed, *(readable_header(c) for c in columns)])


Codings = Mapping[str, Coding]


def _own_columns(question: Question, codings: Codings | None) -> list[Column]:
    """A question's columns, and after them its category column when the planner coded it."""
    columns = kind_of(question).columns(question)
    coding = (codings or {}).get(question.key)
    if coding is not None and coding.categories:
        columns = [*columns, category_column(question, coding)]
    return columns


def question_columns(questions: Sequence[Question], variant: str = RAW, codings: Codings | None = None) -> list[Column]:
    """The columns of `questions` present in `variant`, in export order (with the category column
    "<question> – Kategorie" after a coded question's own)."""
    return [c for q in questions for c in _own_columns(q, codings) if c.cell(variant)]


def response_header(questions: Sequence[Question], variant: str = RAW, codings: Codings | None = None) -> list[str]:
    fixed = [c.key if variant == RAW else c.header for c in RESPONSE_FIXED]
    return _header(fixed, question_columns(questions, _check(variant), codings), variant)


def _cell(column: Column, variant: str) -> Cell:
    """The cell of a column chosen for `variant` (`question_columns` and `entry_columns` keep only those)."""
    cell = column.cell(variant)
    if cell is None:
        raise ValueError(f"column {column.key} has no {variant} cell")
    return cell


def response_rows(
    questions: Sequence[Question], responses: Iterable[ResponseRecord], variant: str = RAW,
    codings: Codings | None = None,
) -> Iterator[list[Any]]:
    """The header, then one row per response, as Python values (str, int, float, None; the
    aware UTC `datetime` of `submitted_at`; readable dates as `datetime.date`). `variant` is
    "raw" (Rohdaten: keys, codes, 0/1) or "readable" (lesbar: question texts, labels); `codings`
    adds the category column of each coded question."""
    columns = question_columns(questions, _check(variant), codings)
    yield response_header(questions, variant, codings)
    fixed = [c.cell(variant) for c in RESPONSE_FIXED]
    cells = [_cell(c, variant) for c in columns]
    for response in responses:
        values = response.values
        yield [cell(response) for cell in fixed] + [cell(values) for cell in cells]


def _entries_kind(group: Question) -> Any:
    kind = kind_of(group)
    if kind.family != "entries":
        raise ValueError(f"{group.key} has no entries (kind {group.kind!r})")
    return kind


def entry_columns(group: Question, variant: str = RAW) -> list[Column]:
    return [c for c in _entries_kind(group).entry_columns(group) if c.cell(_check(variant))]


def entries_header(group: Question, variant: str = RAW) -> list[str]:
    fixed = ENTRY_COLUMNS if variant == RAW else ENTRY_READABLE
    return _header(fixed, entry_columns(group, variant), variant)


def entry_rows(group: Question, responses: Iterable[ResponseRecord], variant: str = RAW) -> Iterator[list[Any]]:
    """The header, then one row per entry of `group` (offers, partners) with its response id
    (readable: also the organisation's name)."""
    kind = _entries_kind(group)
    cells = [_cell(c, variant) for c in entry_columns(group, variant)]
    yield entries_header(group, variant)
    for response in responses:
        for number, entry in enumerate(response.values.get(group.key) or (), start=1):
            values = kind.entry_values(group, entry)
            lead: list[Any] = [response.id, number] if variant == RAW else [response.id, response.organisation, number]
            yield lead + [cell(values) for cell in cells]


def _question_row(question: Question, parent: str, corrected: str = "") -> list[Any]:
    return [question.key, parent, ROLE_QUESTION, question.kind, question.prompt, "", "", *codebook_cells(question),
            "", corrected]


def _option_rows(key: str, role: str, options: Iterable[Option], corrected: dict[str, str] | None = None,
                 question: Question | None = None) -> Iterator[list[Any]]:
    for option in options:
        origin = option_origin(question, option.code) if question is not None else ""
        yield ([key, "", role, "", "", option.code, option.label] + [""] * (len(CODEBOOK_COLUMNS) - 9)
               + [origin, (corrected or {}).get(option.code, "")])


CORRECTED_PARTS = {"prompt": "Fragetext", "help": "Hinweis", "option": "", "item": ""}


def _corrections_by_row(corrections: Iterable[Correction]) -> dict[tuple[str, str, str], str]:
    """(key, role, code) → the cell text of the corrections of that row, one line per change:
    "01.12.2026 14:05: Fragetext „alt“ → „neu“ (Notiz)"."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    roles = {"prompt": ROLE_QUESTION, "help": ROLE_QUESTION, "option": ROLE_OPTION, "item": ROLE_ITEM}
    for c in corrections:
        part = CORRECTED_PARTS.get(c.part, "")
        text = f"{fmt.datetime(c.at)}: {part + ' ' if part else ''}„{c.old}“ → „{c.new}“ ({c.note})"
        lines.setdefault((c.key, roles.get(c.part, ROLE_QUESTION), c.code), []).append(text)
    return {row: "\n".join(texts) for row, texts in lines.items()}


def readable_headers(questions: Sequence[Question], codings: Codings | None = None) -> dict[str, str]:
    """Column key → header in the "lesbar" exports (responses and every entries export)."""
    found = dict(zip([c.key for c in question_columns(questions, READABLE, codings)],
                     response_header(questions, READABLE, codings)[len(RESPONSE_FIXED):], strict=True))
    for group in questions:
        if kind_of(group).family == "entries":
            columns = entry_columns(group, READABLE)
            found.update(zip([c.key for c in columns], entries_header(group, READABLE)[len(ENTRY_READABLE):],
                             strict=True))
    return found


def codebook_rows(dataset: Dataset) -> Iterator[list[Any]]:
    """The header, then every question, group field, option and matrix row and the "lesbar"
    header of each of its columns (``role = spalte``: code = column key), a coded question's
    categories (``role = kategorie``, "nicht zugeordnet" last); then the vocabularies."""
    yield CODEBOOK_COLUMNS
    headers = readable_headers(dataset.questions, dataset.codings)
    corrected = _corrections_by_row(dataset.corrections)

    def notes(key: str, role: str) -> dict[str, str]:
        return {code: text for (k, r, code), text in corrected.items() if k == key and r == role}

    def one(question: Question, parent: str) -> Iterator[list[Any]]:
        yield _question_row(question, parent, corrected.get((question.key, ROLE_QUESTION, ""), ""))
        yield from _option_rows(question.key, ROLE_OPTION, question.options, notes(question.key, ROLE_OPTION),
                                question)
        yield from _option_rows(question.key, ROLE_ITEM, question.items, notes(question.key, ROLE_ITEM))
        kind = kind_of(question)
        own = _own_columns(question, dataset.codings) if not parent else kind.columns(question)
        if kind.family == "entries":  # the roster's own partner columns
            assert isinstance(kind, Group)  # the kinds with entries
            fields = {c.key for sub in question.fields for c in kind_of(sub).columns(sub)}
            own += [c for c in kind.entry_columns(question) if c.key not in fields]
        columns = [c.key for c in own if c.key in headers]
        yield from _option_rows(question.key, ROLE_COLUMN, [Option(key, headers[key]) for key in columns])
        coding = dataset.coding(question.key) if not parent else None
        if coding is not None:
            yield from _option_rows(question.key, ROLE_CATEGORY, coding.options)
        for sub in question.fields:
            yield from one(sub, question.key)

    for question in dataset.questions:
        yield from one(question, "")
    blank = [""] * (len(CODEBOOK_COLUMNS) - 5)
    yield [META_KEYS["title"], "", ROLE_QUESTION, "meta", dataset.title] + blank
    for name in ("districts", "sectors", "provider_types"):
        yield from _option_rows(META_KEYS[name], ROLE_OPTION, getattr(dataset, name))


CODING_COLUMNS = ["key", "Frage", "Kategorie (Code)", "Kategorie", "Text (vereinheitlicht)"]


def coding_rows(dataset: Dataset, questions: Sequence[Question] | None = None) -> Iterator[list[Any]]:
    """The header, then per coded question (of `questions`, default all) each category with every
    text assigned to it in its normal form (a category without texts: one row with an empty text)."""
    yield CODING_COLUMNS
    for question in questions if questions is not None else dataset.questions:
        coding = dataset.coding(question.key)
        if coding is None:
            continue
        for category in coding.categories:
            texts = sorted(t for t, code in coding.assigned.items() if code == category.code) or [""]
            for text in texts:
                yield [question.key, question.prompt, category.code, category.label, text]


def has_codings(dataset: Dataset, questions: Sequence[Question]) -> bool:
    return any(dataset.coding(q.key) is not None for q in questions)


def actor_rows(actors: Iterable[ActorRecord]) -> Iterator[list[Any]]:
    yield ACTOR_COLUMNS
    for actor in actors:
        yield [actor.code, actor.name, actor.sector, actor.provider_type, "|".join(actor.districts)]


def merge_questions(question_lists: Iterable[Sequence[Question]]) -> list[Question]:
    """The union of several surveys' questions by key, in first-appearance order (for a series).

    A key asked in several waves keeps its first definition, but its options and matrix rows are
    the union by code (the newest label wins), `other` is set when any wave offered it, and
    `max_entries` is the largest: so every wave's answers fit into the same columns.
    """
    merged: dict[str, Question] = {}
    for questions in question_lists:
        for question in questions:
            known = merged.get(question.key)
            if known is None:
                merged[question.key] = question
                continue
            merged[question.key] = replace(
                known,
                options=_merge_options(known.options, question.options),
                items=_merge_options(known.items, question.items),
                other=known.other or question.other,
                max_entries=max(known.max_entries or 0, question.max_entries or 0) or None,
                added=tuple(dict.fromkeys(known.added + question.added)),
                hidden=question.hidden,  # as the newest wave offers them
            )
    return list(merged.values())


def _merge_options(first: Sequence[Option], second: Sequence[Option]) -> tuple[Option, ...]:
    labels = {o.code: o.label for o in first} | {o.code: o.label for o in second}
    codes = list(dict.fromkeys([o.code for o in first] + [o.code for o in second]))
    return tuple(Option(code, labels[code]) for code in codes)


def series_response_rows(
    waves: Sequence[tuple[str, Sequence[Question], Iterable[ResponseRecord]]], variant: str = RAW,
) -> Iterator[list[Any]]:
    """The header ``wave`` + the responses layout over the merged questions, then every response
    of every wave (in the given order) with its wave label in the first column."""
    questions = merge_questions(questions for _label, questions, _responses in waves)
    rows = response_rows(questions, (), variant)
    yield ["wave" if variant == RAW else "Welle", *next(rows)]
    for label, _questions, responses in waves:
        body = response_rows(questions, responses, variant)
        next(body)
        for row in body:
            yield [label, *row]


def series_responses_csv(
    waves: Sequence[tuple[str, Sequence[Question], Iterable[ResponseRecord]]], dialect: str = "excel_de",
    variant: str = RAW,
) -> Iterator[bytes]:
    """Responses of several waves in one CSV with a leading ``wave`` column (streamed)."""
    return stream_rows(series_response_rows(waves, variant), dialect, variant)


# -- CSV ------------------------------------------------------------------------------------------


def responses_csv(
    questions: Sequence[Question], responses: Iterable[ResponseRecord], dialect: str = "excel_de",
    variant: str = RAW, codings: Codings | None = None,
) -> Iterator[bytes]:
    """Responses CSV as encoded chunks; `responses` may be a lazy iterator over the database."""
    return stream_rows(response_rows(questions, responses, variant, codings), dialect, variant)


def entries_csv(group: Question, responses: Iterable[ResponseRecord], dialect: str = "excel_de",
                variant: str = RAW) -> Iterator[bytes]:
    """One row per entry of a group or roster question, linked by response id."""
    return stream_rows(entry_rows(group, responses, variant), dialect, variant)


def offers_csv(questions: Sequence[Question], responses: Iterable[ResponseRecord], dialect: str = "excel_de",
               variant: str = RAW) -> Iterator[bytes]:
    """Offers CSV (one row per offer); empty (no chunks) when the survey does not ask for offers."""
    group = next((q for q in questions if q.key == keys.OFFERS), None)
    return entries_csv(group, responses, dialect, variant) if group else iter(())


def partners_csv(questions: Sequence[Question], responses: Iterable[ResponseRecord], dialect: str = "excel_de",
                 variant: str = RAW) -> Iterator[bytes]:
    """Partner roster CSV (one row per named partner); empty when the survey has no roster."""
    group = next((q for q in questions if q.key == keys.PARTNERS), None)
    return entries_csv(group, responses, dialect, variant) if group else iter(())


def codebook_csv(dataset: Dataset, dialect: str = "excel_de") -> Iterator[bytes]:
    return stream_rows(codebook_rows(dataset), dialect)


def actors_csv(actors: Iterable[ActorRecord], dialect: str = "excel_de") -> Iterator[bytes]:
    return stream_rows(actor_rows(actors), dialect)


def edge_list_csv(graph: Any, dialect: str = "excel_de") -> Iterator[bytes]:
    """The partner network's edge list (see `network.edge_rows`)."""
    from .network import edge_rows

    return stream_rows(edge_rows(graph), dialect)


def graphml(graph: Any) -> bytes:
    """The partner network as GraphML (for Gephi, yEd, networkx)."""
    from .network import to_graphml

    return to_graphml(graph)


# -- XLSX -----------------------------------------------------------------------------------------


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value openpyxl stores as data: text is never turned into a formula, control chars go."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.isoformat()  # Excel has no time zones; keep the UTC offset visible
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        # openpyxl would store "=..." as a formula; force a plain string cell instead.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx(dataset: Dataset) -> bytes:
    """An XLSX workbook with one sheet per table (openpyxl write-only mode)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheets: list[tuple[str, Iterable[list[Any]]]] = [
        ("Antworten", response_rows(dataset.questions, dataset.responses, codings=dataset.codings))]
    for key, title in ((keys.OFFERS, "Angebote"), (keys.PARTNERS, "Kooperationen")):
        group = dataset.question(key)
        if group is not None:
            sheets.append((title, entry_rows(group, dataset.responses)))
    sheets.append(("Codebuch", codebook_rows(dataset)))
    if dataset.actors:
        sheets.append(("Akteure", actor_rows(dataset.actors)))
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

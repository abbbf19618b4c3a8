"""Exports: responses, offers/partners, codebook and actors as CSV (streamed) or XLSX; network
edge list and GraphML; the PDF report.

Table layouts (stable, documented for analysts):

* responses: ``id, status, submitted_at, actor, organisation`` then, per question, the columns of
  `Kind.export_columns` (multiple choice: one joined column "a|b" plus one 0/1 column per option).
  ``submitted_at`` is ISO 8601 in UTC.
* entries (offers, partners): one row per entry of a group or roster question, ``response_id,
  entry`` (1-based) then ``<key>.actor, <key>.name`` for a roster, then the export columns of each
  field (field keys are ``<group key>.<short name>``).
* codebook: one row per question or group field (``role = frage``) followed by its options
  (``role = option``) and matrix rows (``role = zeile``); the survey title and the vocabularies
  (districts, sectors, provider types) are rows under the pseudo keys in `META_KEYS`.
* actors: ``code, name, sector, provider_type, districts`` ("|"-joined).

CSV functions return generators of encoded chunks: pass them straight to a streaming response.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from questionnaires.kinds import KINDS, field_name
from questionnaires.model import Option, Question

from . import keys
from .csvdialect import stream_rows
from .dataset import ActorRecord, Dataset, ResponseRecord

RESPONSE_COLUMNS = ["id", "status", "submitted_at", "actor", "organisation"]
ENTRY_COLUMNS = ["response_id", "entry"]
ROSTER_COLUMNS = (keys.PARTNER_ACTOR, keys.PARTNER_NAME)
CODEBOOK_COLUMNS = [
    "key", "parent", "role", "kind", "prompt", "code", "label", "module", "section", "version",
    "required", "other", "integer", "minimum", "maximum", "max_entries",
]
ACTOR_COLUMNS = ["code", "name", "sector", "provider_type", "districts"]
META_KEYS = {
    "title": "_meta.titel",
    "districts": "_meta.stadtteile",
    "sectors": "_meta.sektoren",
    "provider_types": "_meta.traegerarten",
}
ROLE_QUESTION, ROLE_OPTION, ROLE_ITEM = "frage", "option", "zeile"


# -- rows -----------------------------------------------------------------------------------------


def response_header(questions: Sequence[Question]) -> list[str]:
    columns = list(RESPONSE_COLUMNS)
    for question in questions:
        columns += KINDS[question.kind].export_columns(question)
    return columns


def response_rows(questions: Sequence[Question], responses: Iterable[ResponseRecord]) -> Iterator[list[Any]]:
    """The header, then one row per response."""
    yield response_header(questions)
    for response in responses:
        row: list[Any] = [
            response.id,
            response.status,
            response.submitted_at,
            response.actor or "",
            response.organisation,
        ]
        for question in questions:
            row += KINDS[question.kind].export_cells(question, response.values.get(question.key), response.values)
        yield row


def entries_header(group: Question) -> list[str]:
    columns = list(ENTRY_COLUMNS)
    if group.kind == "partner_roster":
        columns += [f"{group.key}.{name}" for name in ROSTER_COLUMNS if not _has_field(group, name)]
    for sub in group.fields:
        columns += KINDS[sub.kind].export_columns(sub)
    return columns


def _has_field(group: Question, short: str) -> bool:
    return any(field_name(sub) == short for sub in group.fields)


def _entry_extra(group: Question, entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's values re-keyed by full field key (as `export_cells` expects for `/other`)."""
    extra = {}
    for sub in group.fields:
        short = field_name(sub)
        for name, value in entry.items():
            if name == short or name.startswith(short + "/"):
                extra[sub.key + name[len(short):]] = value
    return extra


def entry_rows(group: Question, responses: Iterable[ResponseRecord]) -> Iterator[list[Any]]:
    """The header, then one row per entry of `group` (offers, partners) with its response id."""
    yield entries_header(group)
    for response in responses:
        for number, entry in enumerate(response.values.get(group.key) or (), start=1):
            row: list[Any] = [response.id, number]
            if group.kind == "partner_roster":
                row += [entry.get(name, "") for name in ROSTER_COLUMNS if not _has_field(group, name)]
            extra = _entry_extra(group, entry)
            for sub in group.fields:
                row += KINDS[sub.kind].export_cells(sub, extra.get(sub.key), extra)
            yield row


def _question_row(question: Question, parent: str) -> list[Any]:
    return [
        question.key, parent, ROLE_QUESTION, question.kind, question.prompt, "", "", question.module,
        question.section, question.version, int(question.required), int(question.other),
        int(question.integer), question.minimum, question.maximum, question.max_entries,
    ]


def _option_rows(key: str, role: str, options: Iterable[Option]) -> Iterator[list[Any]]:
    for option in options:
        yield [key, "", role, "", "", option.code, option.label] + [""] * (len(CODEBOOK_COLUMNS) - 7)


def codebook_rows(dataset: Dataset) -> Iterator[list[Any]]:
    """The header, then every question, group field, option and matrix row; then the vocabularies."""
    yield CODEBOOK_COLUMNS

    def one(question: Question, parent: str) -> Iterator[list[Any]]:
        yield _question_row(question, parent)
        yield from _option_rows(question.key, ROLE_OPTION, question.options)
        yield from _option_rows(question.key, ROLE_ITEM, question.items)
        for sub in question.fields:
            yield from one(sub, question.key)

    for question in dataset.questions:
        yield from one(question, "")
    blank = [""] * (len(CODEBOOK_COLUMNS) - 5)
    yield [META_KEYS["title"], "", ROLE_QUESTION, "meta", dataset.title] + blank
    for name in ("districts", "sectors", "provider_types"):
        yield from _option_rows(META_KEYS[name], ROLE_OPTION, getattr(dataset, name))


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
            )
    return list(merged.values())


def _merge_options(first: Sequence[Option], second: Sequence[Option]) -> tuple[Option, ...]:
    labels = {o.code: o.label for o in first} | {o.code: o.label for o in second}
    codes = list(dict.fromkeys([o.code for o in first] + [o.code for o in second]))
    return tuple(Option(code, labels[code]) for code in codes)


def series_response_rows(
    waves: Sequence[tuple[str, Sequence[Question], Iterable[ResponseRecord]]],
) -> Iterator[list[Any]]:
    """The header ``wave`` + the responses layout over the merged questions, then every response
    of every wave (in the given order) with its wave label in the first column."""
    questions = merge_questions(questions for _label, questions, _responses in waves)
    rows = response_rows(questions, ())
    yield ["wave", *next(rows)]
    for label, _questions, responses in waves:
        body = response_rows(questions, responses)
        next(body)
        for row in body:
            yield [label, *row]


def series_responses_csv(
    waves: Sequence[tuple[str, Sequence[Question], Iterable[ResponseRecord]]], dialect: str = "excel_de"
) -> Iterator[bytes]:
    """Responses of several waves in one CSV with a leading ``wave`` column (streamed)."""
    return stream_rows(series_response_rows(waves), dialect)


# -- CSV ------------------------------------------------------------------------------------------


def responses_csv(
    questions: Sequence[Question], responses: Iterable[ResponseRecord], dialect: str = "excel_de"
) -> Iterator[bytes]:
    """Responses CSV as encoded chunks; `responses` may be a lazy iterator over the database."""
    return stream_rows(response_rows(questions, responses), dialect)


def entries_csv(group: Question, responses: Iterable[ResponseRecord], dialect: str = "excel_de") -> Iterator[bytes]:
    """One row per entry of a group or roster question, linked by response id."""
    return stream_rows(entry_rows(group, responses), dialect)


def offers_csv(questions: Sequence[Question], responses: Iterable[ResponseRecord], dialect: str = "excel_de") -> Iterator[bytes]:
    """Offers CSV (one row per offer); empty (no chunks) when the survey does not ask for offers."""
    group = next((q for q in questions if q.key == keys.OFFERS), None)
    return entries_csv(group, responses, dialect) if group else iter(())


def partners_csv(questions: Sequence[Question], responses: Iterable[ResponseRecord], dialect: str = "excel_de") -> Iterator[bytes]:
    """Partner roster CSV (one row per named partner); empty when the survey has no roster."""
    group = next((q for q in questions if q.key == keys.PARTNERS), None)
    return entries_csv(group, responses, dialect) if group else iter(())


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
    sheets: list[tuple[str, Iterable[list[Any]]]] = [("Antworten", response_rows(dataset.questions, dataset.responses))]
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


# -- PDF ------------------------------------------------------------------------------------------


def pdf_report(dataset: Dataset, **options: Any) -> bytes:
    """The PDF report (title page, overview, every chart, key tables); see `report.pdf_report`."""
    from .report import pdf_report as build

    return build(dataset, **options)

"""The XLSX workbook "Alle Tabellen als Excel": a sheet per table of the results page, then the row
sheets (responses readable and raw, offers, partners, codebook, actors).

Written with xlsxwriter in `constant_memory` mode: each row goes to a temporary file as soon as it
is written, so the row sheets can be fed row by row from the database (`RowSheet.rows` is called
once per sheet and may be a lazy query) and memory stays flat however many responses there are.

Every sheet: the header in row 1, frozen, with an autofilter; column widths from the header and
the first `WIDTH_SAMPLE` rows. Cells: numbers as numbers (counts `#,##0`, shares as percent cells
from the page's percent values, years and other numbers rounded as on the page), datetimes as
Excel datetimes in Berlin time, text always as text (a value like "=HYPERLINK(…)" is never a
formula, nor is a URL turned into a link), suppressed cells as "–". Sheet names are at most 31
characters, free of []:*?/\\ and unique (Excel compares them case-insensitively).

Nothing here knows Flask or the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter

from questionnaires import formatting as fmt

from . import export, keys
from .dataset import Dataset, ResponseRecord
from .tables import MARK, SUPPRESSED, Column, Table, Type

MAX_SHEET_NAME = 31
MAX_TEXT = 32767  # Excel's limit for one cell
WIDTH_SAMPLE = 2000  # rows looked at for the column widths
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 6, 60, 40
INDEX_SHEET = "Inhalt"
INDEX_COLUMNS = ("Tabellenblatt", "Inhalt", "Hinweis", "Kennung")
FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


@dataclass(frozen=True)
class RowSheet:
    """A sheet of rows (header first); `rows` is called once, when the sheet is written."""

    name: str
    title: str
    rows: Callable[[], Iterable[Sequence[Any]]]


# -- names ----------------------------------------------------------------------------------------


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name for `title` (adds it to `taken`, lower-cased)."""
    base = FORBIDDEN.sub(" ", title).replace("\n", " ").strip().strip("'") or "Tabelle"
    base = re.sub(r"\s+", " ", base)
    name = _cut(base, MAX_SHEET_NAME)
    number = 2
    while name.casefold() in taken or name.casefold() == "history":
        suffix = f" ({number})"
        name = _cut(base, MAX_SHEET_NAME - len(suffix)) + suffix
        number += 1
    taken.add(name.casefold())
    return name


def _cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with "…" when too long."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


# -- cells ----------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4",
                                       "bottom": 1})
        self.count = book.add_format({"num_format": "#,##0"})
        self.number = book.add_format({"num_format": "General"})
        self.percent = {d: book.add_format({"num_format": "0" + ("." + "0" * d if d else "") + "%"}) for d in range(4)}
        self.date = book.add_format({"num_format": "dd.mm.yyyy"})
        self.datetime = book.add_format({"num_format": "dd.mm.yyyy hh:mm"})
        self.text = book.add_format({"valign": "top"})
        self.mark = book.add_format({"align": "right"})
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.link = book.add_format({"font_color": "#0563C1", "underline": 1})


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_TEXT]


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return min(len(f"{value:.3f}".rstrip("0")), 14)
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _write(sheet: Any, row: int, col: int, value: Any, formats: _Formats, column: Column | None = None) -> None:
    """One cell, typed by its column (results tables) or by its Python type (row sheets)."""
    if value is None:
        return
    if value is SUPPRESSED or (value == MARK and column is not None and column.numeric):
        sheet.write_string(row, col, MARK, formats.mark)
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, fmt.local(value).replace(tzinfo=None), formats.datetime)
        return
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), formats.date)
        return
    if isinstance(value, (int, float)):
        kind = column.type if column is not None else None
        if kind == Type.PERCENT and column is not None:
            sheet.write_number(row, col, value / 100, formats.percent[min(column.decimals + 0, 3)])
        elif kind == Type.COUNT or (kind is None and isinstance(value, int)):
            sheet.write_number(row, col, value, formats.count if kind == Type.COUNT else formats.number)
        else:
            sheet.write_number(row, col, value, formats.number)
        return
    sheet.write_string(row, col, _text(value), formats.text)


def _finish(sheet: Any, widths: list[int], rows: int, header: Sequence[str], printable: bool = False) -> None:
    """Frozen header, autofilter over the written rows, widths that fit; printed on A4 with the
    header repeated on every page (`printable`: a results table, one page wide)."""
    sheet.freeze_panes(1, 0)
    sheet.set_paper(9)
    sheet.repeat_rows(0)
    if printable:
        sheet.fit_to_pages(1, 0)
        if sum(max(MIN_WIDTH, min(MAX_WIDTH, w + 2)) for w in widths) > 100:
            sheet.set_landscape()
    if header:
        sheet.autofilter(0, 0, max(rows, 1) - 1 if rows > 1 else 0, len(header) - 1)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, max(MIN_WIDTH, min(MAX_WIDTH, width + 2)))


def _header(sheet: Any, header: Sequence[Any], formats: _Formats) -> list[int]:
    widths = []
    for col, title in enumerate(header):
        sheet.write_string(0, col, _text(title), formats.header)
        widths.append(min(HEADER_WIDTH, _width(title)))
    return widths


def write_table(sheet: Any, table: Table, formats: _Formats) -> None:
    """A results table: header, then its rows rounded as on the page (`Table.plain_rows`)."""
    widths = _header(sheet, table.header, formats)
    plain = table.plain_rows()
    for r, (row, values) in enumerate(zip(table.rows, plain, strict=True), start=1):
        for c, ((_raw, column), value) in enumerate(zip(table.typed(row), values, strict=True)):
            if row[c] is SUPPRESSED:
                value = SUPPRESSED
            _write(sheet, r, c, value, formats, column)
            widths[c] = max(widths[c], _width(MARK if value is SUPPRESSED else value))
    _finish(sheet, widths, len(plain) + 1, table.header, printable=True)


def write_rows(sheet: Any, rows: Iterable[Sequence[Any]], formats: _Formats) -> int:
    """Header and rows of a row sheet, written as they come; returns the number of data rows."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return 0
    widths = _header(sheet, header, formats)
    count = 0
    for count, row in enumerate(iterator, start=1):
        sample = count <= WIDTH_SAMPLE
        for col, value in enumerate(row):
            kind = type(value)
            if kind is int or kind is float:  # the common cells first, in the default format
                sheet.write_number(count, col, value)
            elif kind is str:
                if value:
                    sheet.write_string(count, col, value[:MAX_TEXT])
            elif value is not None:
                if not isinstance(value, (bool, int, float, dt.date)):
                    value = str(value)
                _write(sheet, count, col, value, formats)
            if sample and col < len(widths):
                widths[col] = max(widths[col], _width(value))
    _finish(sheet, widths, count + 1, header)
    return count


# -- the workbook -----------------------------------------------------------------------------------


def write_workbook(out: str | IO[bytes], tables: Sequence[Table], row_sheets: Sequence[RowSheet] = (),
                   title: str = "", description: str = "", privacy_note: str = "",
                   created: dt.datetime | None = None) -> None:
    """Write the workbook to `out` (a path or a binary file): the contents sheet, a sheet per table,
    then the row sheets."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": title or "Auswertung", "subject": "Auswertung der Befragung",
                         "comments": "Erstellt mit Lückenlos"})
    formats = _Formats(book)
    taken = {INDEX_SHEET.casefold()}
    index = book.add_worksheet(INDEX_SHEET)
    names = [(sheet_name(_short(t, n), taken), t.title, t.withheld or t.note, t.key) for n, t in _numbered(tables)]
    row_names = [(sheet_name(s.name, taken), s.title, "", "") for s in row_sheets]
    _write_index(index, names + row_names, formats, title, description, privacy_note, created)
    for (name, *_rest), table in zip(names, tables, strict=True):
        write_table(book.add_worksheet(name), table, formats)
    for (name, *_rest), rows in zip(row_names, row_sheets, strict=True):
        write_rows(book.add_worksheet(name), rows.rows(), formats)
    book.close()


def _numbered(tables: Sequence[Table]) -> list[tuple[int, Table]]:
    """Each table with its number among the question tables (0 for the others)."""
    found, number = [], 0
    for table in tables:
        if table.section == "fragen":
            number += 1
            found.append((number, table))
        else:
            found.append((0, table))
    return found


def _short(table: Table, number: int) -> str:
    """A sheet name: the table's short name, or "F03 " and the question's prompt."""
    if table.sheet:
        return table.sheet
    return f"F{number:02d} {table.title}" if number else table.title


def _write_index(sheet: Any, entries: Sequence[tuple[str, str, str, str]], formats: _Formats, title: str,
                 description: str, privacy_note: str, created: dt.datetime | None) -> None:
    """The first sheet: what the workbook holds, with a link to each sheet."""
    sheet.write_string(0, 0, _text(title or "Auswertung"), formats.title)
    lines = [description, privacy_note,
             f"Stand: {fmt.datetime(created)}" if created else "",
             "Zahlen wie auf der Ergebnisseite gerundet; Anteile als Prozentwerte."]
    row = 1
    for line in lines:
        if line:
            sheet.write_string(row, 0, _text(line))
            row += 1
    row += 1
    start = row
    for col, heading in enumerate(INDEX_COLUMNS):
        sheet.write_string(row, col, heading, formats.header)
    for name, full, note, key in entries:
        row += 1
        sheet.write_url(row, 0, f"internal:'{name}'!A1", formats.link, string=name)
        sheet.write_string(row, 1, _text(full))
        if note:
            sheet.write_string(row, 2, _text(note))
        if key:
            sheet.write_string(row, 3, key)
    sheet.freeze_panes(start + 1, 0)
    sheet.autofilter(start, 0, row, len(INDEX_COLUMNS) - 1)
    for col, width in enumerate((MAX_SHEET_NAME + 2, 70, 80, 26)):
        sheet.set_column(col, col, width)


# -- row sheets from the export layouts ----------------------------------------------------------------


def row_sheets(questions: Sequence[Any], responses: Callable[[], Iterable[ResponseRecord]],
               dataset: Dataset) -> list[RowSheet]:
    """The row sheets: responses (readable and raw), offers, partners, codebook, actors.

    `responses` is called once per sheet (a fresh, possibly lazy, iterator over the database);
    `dataset` gives the codebook's vocabularies and the actors (no responses needed).
    """
    sheets: list[RowSheet] = []
    sheets.append(RowSheet("Antworten (lesbar)", "Antworten, eine Zeile je Einrichtung (lesbar: Fragen und "
                           "Antworten im Wortlaut)",
                           lambda: export.response_rows(questions, responses(), variant="readable",
                                                        codings=dataset.codings)))
    sheets.append(RowSheet("Antworten (Rohdaten)", "Antworten, eine Zeile je Einrichtung (Rohdaten: Schlüssel "
                           "und Codes, siehe Codebuch)",
                           lambda: export.response_rows(questions, responses(), variant="raw",
                                                        codings=dataset.codings)))
    for key, name, what in ((keys.OFFERS, "Angebote", "eine Zeile je Angebot"),
                            (keys.PARTNERS, "Kooperationen", "eine Zeile je genannter Partner")):
        group = next((q for q in questions if q.key == key), None)
        if group is None:
            continue
        rows = (lambda g: lambda: export.entry_rows(g, responses(), variant="readable"))(group)
        sheets.append(RowSheet(name, f"{name}, {what}", rows))
    sheets.append(RowSheet("Codebuch", "Codebuch: Fragen, Antwortcodes und Wortlaut",
                           lambda: export.codebook_rows(dataset)))
    if export.has_codings(dataset, questions):
        sheets.append(RowSheet("Kodierung", "Kodierung der Freitexte: Kategorien und die ihnen zugeordneten Texte",
                               lambda: export.coding_rows(dataset, questions)))
    if dataset.actors:
        sheets.append(RowSheet("Akteure", "Beteiligte Einrichtungen (ohne Kontaktdaten)",
                               lambda: export.actor_rows(dataset.actors)))
    return sheets


def dataset_workbook(out: str | IO[bytes], dataset: Dataset, tables: Sequence[Table], **options: Any) -> None:
    """The workbook of an in-memory dataset (CLI, notebooks, benchmarks): its tables and row sheets."""
    write_workbook(out, tables, row_sheets(dataset.questions, lambda: dataset.responses, dataset),
                   title=options.pop("title", dataset.title), **options)

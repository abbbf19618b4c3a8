"""Reading an uploaded table (CSV or XLSX) within bounds, before anything is unpacked whole.

An XLSX is a zip: a 60 kB file can unpack to gigabytes (one huge shared string, a sheet of a
million empty rows). So the zip directory is checked first (total unpacked size, ratio per member),
then openpyxl reads the first sheet in read-only mode row by row, stopping at the first row, column
or cell over the limit. A CSV is decoded (UTF-8, else Windows-1252), read with universal newlines
(old Mac Excel ends lines with a bare CR) and the same limits. NUL bytes are dropped. Every
problem is an `UploadError` with a German message saying what to change.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

from questionnaires import formatting as fmt

MAX_ROWS = 5_000
MAX_COLUMNS = 50
MAX_CELL = 5_000  # characters
MAX_UNPACKED = 50 * 1024 * 1024  # bytes of all XLSX parts together
UNREADABLE_XLSX = "Die Excel-Datei lässt sich nicht lesen. Bitte speichern Sie sie erneut als .xlsx."
MAX_RATIO = 100  # unpacked : packed, per part above 1 MB


class UploadError(ValueError):
    """German message for the planner."""


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV" on German Windows)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _bounded(rows: Iterable[Iterable[object]]) -> list[list[str]]:
    table: list[list[str]] = []
    for number, row in enumerate(rows, start=1):
        cells = ["" if v is None else str(v).replace("\x00", "").strip() for v in row]
        while cells and not cells[-1]:
            cells.pop()  # read-only sheets pad rows to the widest one
        if len(cells) > MAX_COLUMNS:
            raise UploadError(f"Zeile {fmt.number(number)} hat {fmt.number(len(cells))} Spalten; erlaubt sind "
                              f"höchstens {MAX_COLUMNS}. Bitte entfernen Sie die überzähligen Spalten.")
        for column, cell in enumerate(cells, start=1):
            if len(cell) > MAX_CELL:
                raise UploadError(f"Zeile {fmt.number(number)}, Spalte {column} enthält "
                                  f"{fmt.number(len(cell))} Zeichen; erlaubt sind höchstens {fmt.number(MAX_CELL)}.")
        if len(table) >= MAX_ROWS and any(cells):
            raise UploadError(f"Die Datei hat mehr als {fmt.number(MAX_ROWS)} Zeilen. Bitte teilen Sie sie "
                              "in mehrere Dateien auf.")
        table.append(cells)
    while table and not any(table[-1]):
        table.pop()
    return table


def _check_zip(raw: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as error:
        raise UploadError(UNREADABLE_XLSX) from error
    with archive:
        parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    packed_too_well = any(part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1)
                          for part in parts)
    if total > MAX_UNPACKED:
        raise UploadError(
            f"Die Excel-Datei ist entpackt zu groß ({fmt.number(total / 1024 / 1024, 0)} MB; erlaubt sind "
            f"{fmt.number(MAX_UNPACKED // 1024 // 1024)} MB). Bitte speichern Sie "
            "nur die Tabelle mit den Akteuren als .xlsx oder .csv.")
    if packed_too_well:
        raise UploadError(
            "Die Excel-Datei enthält übergroße oder ungewöhnlich stark gepackte Inhalte (zum Beispiel eine "
            "Zelle mit sehr viel Text) und wird deshalb nicht geöffnet. Bitte speichern Sie nur die Tabelle "
            "mit den Akteuren als .xlsx oder .csv.")


def _xlsx_rows(raw: bytes) -> Iterator[tuple[object, ...]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise UploadError(UNREADABLE_XLSX) from error
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def read_table(filename: str, raw: bytes) -> list[list[str]]:
    """Rows of cells from a CSV (comma, semicolon or tab) or XLSX file, within the limits above."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        _check_zip(raw)
        return _bounded(_xlsx_rows(raw))
    if name.endswith(".xls"):
        raise UploadError("Alte Excel-Dateien (.xls) kann Lückenlos nicht lesen. Bitte speichern Sie die Datei als "
                          ".xlsx oder .csv.")
    text = decode_csv(raw).replace("\x00", "")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    try:
        return _bounded(reader)
    except csv.Error as error:
        raise UploadError(f"Die CSV-Datei lässt sich ab Zeile {fmt.number(reader.line_num)} nicht lesen ({error}). "
                          "Bitte speichern Sie sie in Excel erneut als „CSV UTF-8“.") from error

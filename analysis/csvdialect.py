"""CSV dialects, cell formatting, CSV-injection neutralisation and streaming encoded chunks.

Two dialects:

* ``excel_de``: UTF-8 with BOM, semicolon, decimal comma — opens correctly in a German Excel.
* ``rfc4180``: UTF-8 without BOM, comma, dot decimals — for R, pandas and other tools.

Both end lines with CRLF (RFC 4180; Excel does not mind).

Times: the "Rohdaten" variant writes ISO 8601 in UTC without microseconds (``2024-03-01T10:00:00Z``)
and ISO dates; "lesbar" writes Berlin time ``TT.MM.JJJJ HH:MM``, dates ``TT.MM.JJJJ`` and booleans
"ja"/"nein" (`questionnaires.formatting`). Numbers follow the dialect in both.

Neutralisation (CSV/formula injection): every *text* cell that begins with ``= + - @``, a tab or a
carriage return is prefixed with an apostrophe, in both dialects. Decision: numbers that are typed as
numbers (int/float answers of number/year questions, 0/1 indicator columns, counts) are written as
numbers and never prefixed, so a genuine negative number stays numeric; a spreadsheet cannot read a
formula out of a number we formatted ourselves. A text that itself begins with an apostrophe is
prefixed too, so that `unneutralise` (used when reading our export back) restores every text
exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from questionnaires import formatting as fmt

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
RAW, READABLE = "raw", "readable"  # the variants of `questionnaires.kinds`
CHUNK_CHARS = 64 * 1024


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    decimal: str
    bom: bool


DIALECTS = {
    "excel_de": Dialect("excel_de", ";", ",", True),
    "rfc4180": Dialect("rfc4180", ",", ".", False),
}


def get_dialect(name: str | Dialect) -> Dialect:
    if isinstance(name, Dialect):
        return name
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown CSV dialect {name!r}; use one of {', '.join(DIALECTS)}") from None


def neutralise(text: str) -> str:
    """Prefix a text that a spreadsheet would run as a formula with an apostrophe."""
    if text.startswith(TRIGGERS) or text.startswith("'"):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Undo `neutralise` for a cell of our own export."""
    if text.startswith("'") and len(text) > 1 and (text[1] in TRIGGERS or text[1] == "'"):
        return text[1:]
    return text


def format_number(number: int | float, dialect: Dialect) -> str:
    """A number in the dialect's notation; whole floats lose their ".0"."""
    if isinstance(number, bool):
        return "1" if number else "0"
    if isinstance(number, int):
        return str(number)
    text = repr(float(number)).removesuffix(".0")
    return text.replace(".", dialect.decimal)


def iso_utc(moment: dt.datetime) -> str:
    """2024-03-01T10:00:00Z (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def format_cell(value: Any, dialect: Dialect, variant: str = RAW) -> str:
    """One cell as text: numbers in the dialect's notation, texts neutralised, None empty; times
    and dates as ISO (raw) or German in Berlin time (readable)."""
    if value is None:
        return ""
    readable = variant == READABLE
    if isinstance(value, bool) and readable:
        return "ja" if value else "nein"
    if isinstance(value, (bool, int, float)):
        return format_number(value, dialect)
    if isinstance(value, dt.datetime):
        return fmt.datetime(value) if readable else iso_utc(value)
    if isinstance(value, dt.date):
        return fmt.date(value) if readable else value.isoformat()
    return neutralise(str(value))


def parse_number(text: str, dialect: Dialect, integer: bool) -> int | float | None:
    """Read a number cell written by `format_cell`; None when empty."""
    text = text.strip()
    if not text:
        return None
    if dialect.decimal == ",":
        text = text.replace(",", ".")
    number = float(text)
    return int(number) if integer and number.is_integer() else number


def stream_rows(rows: Iterable[Sequence[Any]], dialect: str | Dialect, variant: str = RAW) -> Iterator[bytes]:
    """Encode rows as CSV in chunks of about 64 KiB; memory stays flat however many rows come."""
    dialect = get_dialect(dialect)
    if variant not in (RAW, READABLE):
        raise ValueError(f"unknown export variant {variant!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    if dialect.bom:
        yield "\ufeff".encode()
    for row in rows:
        writer.writerow([format_cell(value, dialect, variant) for value in row])
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _text_and_dialect(data: bytes | str) -> tuple[str, Dialect]:
    if isinstance(data, bytes):
        text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
        has_bom = data.startswith(b"\xef\xbb\xbf")
    else:
        has_bom = data.startswith("\ufeff")
        text = data.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    dialect = DIALECTS["excel_de"] if has_bom or first_line.count(";") > first_line.count(",") else DIALECTS["rfc4180"]
    return text, dialect


def read_header(data: bytes | str) -> list[str]:
    """The header row of a CSV of our own export (also when it has no other rows)."""
    text, dialect = _text_and_dialect(data)
    return next(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter), [])


def read_rows(data: bytes | str) -> tuple[Dialect, list[dict[str, str]]]:
    """Parse a CSV of our own export; the dialect is recognised from the BOM and the header."""
    text, dialect = _text_and_dialect(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    rows = [{key: unneutralise(value or "") for key, value in row.items() if key is not None} for row in reader]
    return dialect, rows

"""German formatting of numbers, shares, dates and times: the one place, for every layer.

Templates (filters), charts, exports, mails and the kinds' `display` all format through here, with
Babel's `de_DE` data, and times are shown in Europe/Berlin (they are stored in UTC). It lives in
`questionnaires/`, the lowest layer, because the kinds registry needs it and `analysis/` and
`survey/` both build on that; it knows neither Flask nor the database.

Every function takes `None` and returns the dash `DASH` for it, so a missing value reads the same
everywhere.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal

LOCALE = "de_DE"
BERLIN = ZoneInfo("Europe/Berlin")
DASH = "–"
NBSP = "\u00a0"
MINUS = "\u2212"


def _pattern(decimals: int | None) -> str:
    if decimals is None:
        return "#,##0.##"  # up to two decimals, trailing zeros dropped
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def number(value: float | int | None, decimals: int | None = None) -> str:
    """1234.5 → "1.234,5"; `decimals=None` shows up to two decimals and drops trailing zeros."""
    if value is None:
        return DASH
    if isinstance(value, float) and value.is_integer() and decimals is None:
        value = int(value)
    return _babel_decimal(value, format=_pattern(decimals), locale=LOCALE)


def counted(value: int, one: str, many: str) -> str:
    """A count with its noun in singular or plural: (1, "Antwort", "Antworten") → "1 Antwort";
    1200 → "1.200 Antworten"; 0 → "0 Antworten"."""
    return f"{number(value)} {one if value == 1 else many}"


def labelled(label: str, value: str) -> str:
    """A label with its value: "Absprachen werden verbindlich eingehalten.", "Teils, teils" →
    "Absprachen werden verbindlich eingehalten: Teils, teils" (never ".:"); a question keeps its mark
    ("Wie oft? – Monatlich"); an abbreviation keeps its dot ("Kita Sonne e. V.: 3")."""
    label = label.rstrip()
    if label.endswith(("?", "!")):
        return f"{label} {DASH} {value}"
    if label.endswith(":"):
        return f"{label} {value}"
    last = label.rsplit(maxsplit=1)[-1] if label else ""
    if last.endswith(".") and len(last) > 4 and "." not in last[:-1]:
        label = label[:-1]  # a sentence's full stop, not an abbreviation
    return f"{label}: {value}"


def sentence(text: str) -> str:
    """Text as a sentence: a full stop added unless it already ends one ("Wie heißt das Netzwerk?" stays,
    never "?."; "Themen" → "Themen.")."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "?", "!", "…")) else f"{text}."


def plain(value: float | int | None, decimals: int | None = None) -> str:
    """A number without thousands separators (years, codes): 2007 → "2007", 2007.5 → "2007,5"."""
    if value is None:
        return DASH
    return number(value, decimals).replace(".", "")


def percent(value: float | None, decimals: int = 0) -> str:
    """A share given in percent (16.7, not 0.167) → "16,7 %" (with a no-break space)."""
    if value is None:
        return DASH
    return f"{number(value, decimals)}{NBSP}%"


def signed(value: float, decimals: int = 0) -> str:
    """A change with its sign: "+3,5", "−2" (a real minus), "±0"."""
    if round(value, decimals) == 0:
        return "±" + number(0, decimals)
    return ("+" if value > 0 else MINUS) + number(abs(value), decimals)


def points(value: float | None, decimals: int = 0) -> str:
    """A change in percentage points ("+12 Pp."), or the dash without a value."""
    return DASH if value is None else f"{signed(value, decimals)}{NBSP}Pp."


def local(value: dt.datetime) -> dt.datetime:
    """An aware (UTC) timestamp in Berlin time; a naive one is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(BERLIN)


def date(value: dt.date | dt.datetime | str | None) -> str:
    """01.03.2024; a timestamp is first converted to Berlin time; ISO strings are read."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = local(value)
    return _babel_date(value, "dd.MM.yyyy", locale=LOCALE)


def datetime(value: dt.datetime | dt.date | None) -> str:
    """01.03.2024 11:00 in Berlin time (a plain date shows as a date)."""
    if value is None:
        return DASH
    if not isinstance(value, dt.datetime):
        return date(value)
    return _babel_datetime(local(value), "dd.MM.yyyy HH:mm", locale=LOCALE)


def time(value: dt.datetime | None) -> str:
    """11:00 in Berlin time."""
    if value is None:
        return DASH
    return _babel_datetime(local(value), "HH:mm", locale=LOCALE)


def long_date(value: dt.date | dt.datetime | None) -> str:
    """1. März 2024 (for sentences in mails and reports)."""
    if value is None:
        return DASH
    if isinstance(value, dt.datetime):
        value = local(value)
    return _babel_date(value, "d. MMMM yyyy", locale=LOCALE)


def long_datetime(value: dt.datetime | dt.date | None) -> str:
    """1. März 2024 um 9:05 Uhr in Berlin time (for sentences: "am … eingegangen"); a plain date as long_date."""
    if value is None:
        return DASH
    if not isinstance(value, dt.datetime):
        return long_date(value)
    local_value = local(value)
    return f"{long_date(local_value)} um {_babel_datetime(local_value, 'H:mm', locale=LOCALE)} Uhr"

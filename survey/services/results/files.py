"""File names of the results downloads and the clock of page stamps (tests may replace `now`)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from questionnaires import formatting as fmt


def file_slug(text: str, limit: int = 40) -> str:
    """A file-name-safe slug of a title ("Netzwerke Düren 2026" → "netzwerke-dueren-2026")."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "befragung"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_berlin() -> dt.date:
    return dt.datetime.now(fmt.BERLIN).date()

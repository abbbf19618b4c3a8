"""Raw form field names: how an answer is posted, and the one reader of posted fields.

Raw answers are what a browser posts, as `Mapping[str, list[str]]` (field name → values). Field
names derive from the question key: `key` itself, `key/other` for "Sonstiges" text, `key/<item>`
for matrix rows, `key/<n>` for list entries and `key/<n>/<field>` for entries of groups and
rosters. The kinds (`questionnaires.kinds`), the respondent form (`survey.question_types`) and the
response service read posted fields only through this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

Raw = Mapping[str, list[str]]
OTHER = "other"  # the "Sonstiges, und zwar" text: `<name>/other`


def other(name: str) -> str:
    """The field of the "Sonstiges" text of the choice posted as `name`."""
    return f"{name}/{OTHER}"


def entry(name: str, number: int, short: str = "") -> str:
    """The field `short` of entry `number` under `name` (or the entry's prefix `name/<n>`)."""
    return f"{name}/{number}/{short}" if short else f"{name}/{number}"


def posted(raw: Raw, name: str) -> str:
    """The first value of field `name` exactly as typed ("" when there is none)."""
    values = raw.get(name) or [""]
    return values[0] or ""


def first(raw: Raw, name: str) -> str:
    """The first value of field `name`, stripped ("" when there is none)."""
    return posted(raw, name).strip()


def chosen(raw: Raw, name: str) -> list[str]:
    """Every value of field `name` as posted (the ticked boxes of a multiple choice)."""
    return list(raw.get(name) or [])


def values(raw: Raw, name: str) -> list[str]:
    """Every non-blank value of field `name`, stripped."""
    return [v.strip() for v in raw.get(name, []) if v and v.strip()]


def entry_numbers(raw: Raw, name: str) -> list[int]:
    """Entry numbers n that occur as `name/<n>` or `name/<n>/…` among the fields, ascending."""
    pattern = re.compile(re.escape(name) + r"/(\d+)(?:/|$)")
    return sorted({int(m.group(1)) for field in raw if (m := pattern.match(field))})

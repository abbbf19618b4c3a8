"""Edit conflicts: two planners saving the same text get a notice with both versions, not a silent overwrite.

Every planner edit form carries the `edit_version` of the row it showed (hidden field `_version`,
template global `edit_version(row)`). A view calls `claim(row, stored, labels)` before it changes
the row: when the posted version is older than the stored one and a posted field differs from what
is stored now, the save is refused and the view returns `conflict_page(conflict)` — both texts side
by side, the planner's own in editable fields, "Meine Fassung speichern" posts it again with the
current version, "Gespeicherte Fassung behalten" leaves the form. Otherwise the version is raised
in one UPDATE that says `WHERE edit_version = <read>`, so of two saves at the same moment the later
one matches no row and gets the notice too (PostgreSQL's row lock and SQLite's write lock order them).

A form without `_version` (rendered before a deploy) saves as before. Only edits of stored text go
through here; actions (add, delete, move, send) need no version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models.base import rowcount, table_of

FIELD = "_version"


@dataclass(frozen=True)
class Difference:
    name: str  # the form field
    label: str
    theirs: str  # what is stored now (the colleague's save)
    yours: str  # what this planner posted
    multiline: bool


@dataclass(frozen=True)
class Conflict:
    version: str  # the stored version (stamped): posting it again means "save mine over theirs"
    differences: list[Difference]
    back_url: str  # the form with the stored text ("keep theirs")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(sorted(_text(v) for v in value))
    return str(value).replace("\r\n", "\n").strip()


def _posted(name: str, stored: Any) -> Any:
    if isinstance(stored, (list, tuple, set)):
        return request.form.getlist(name)
    if isinstance(stored, bool):
        return name in request.form and request.form.get(name) not in ("", "0", "n", "nein")
    return request.form.get(name, "")


def _unwrap(row: Any) -> Any:
    """`current_user` is a proxy; its row is what is versioned."""
    return row._get_current_object() if hasattr(row, "_get_current_object") else row


def _stamp(row: Any, version: int) -> str:
    return f"{type(row).__tablename__}:{row.id}:{version}"


def posted_version(row: Any) -> int | None:
    """The version the posted form showed of `row` (None: no version posted, or one of another row)."""
    row = _unwrap(row)
    table, _, rest = request.form.get(FIELD, "").partition(":")
    row_id, _, version = rest.partition(":")
    if table != type(row).__tablename__ or row_id != str(row.id) or not version.isdigit():
        return None
    return int(version)


def edit_version(row: Any) -> str:
    """The value of a form's `_version` field: while a posted form of this row comes back (after a
    validation error) the version first loaded, so a later save still notices a colleague's; else
    the stored one. Names the row too, so a list of small forms (districts) keeps each apart."""
    row = _unwrap(row)
    posted = posted_version(row) if request.method == "POST" else None
    return _stamp(row, row.edit_version if posted is None else posted)


def claim(row: Any, stored: Callable[[], Mapping[str, Any]], labels: Mapping[str, str],
          back_url: str | None = None) -> Conflict | None:
    """Refuse a save over a newer version (returns the conflict), else take the next version.

    `stored()` gives the row's current values keyed by form field name (called again when a
    concurrent save won the race); `labels` names the fields for the notice. Call it before
    changing the row; it flushes nothing of the caller's.
    """
    row = _unwrap(row)
    back = back_url or request.full_path.rstrip("?")
    posted = posted_version(row)
    current = row.edit_version
    if posted is not None and posted != current:
        differences = _differences(stored(), labels)
        if differences:
            return Conflict(_stamp(row, current), differences, back)
    table = table_of(type(row))
    with db.session.no_autoflush:
        result = db.session.execute(
            sa.update(table).where(table.c.id == row.id, table.c.edit_version == current)
            .values(edit_version=current + 1)
        )
    if rowcount(result) != 1:  # a colleague saved between our read and this UPDATE
        db.session.rollback()
        db.session.refresh(row)
        now = stored()
        return Conflict(_stamp(row, row.edit_version),
                        _differences(now, labels) or _differences(now, labels, always=True), back)
    set_committed_value(row, "edit_version", current + 1)
    return None


def bump(row: Any) -> None:
    """Raise the version for a change made outside an edit form (e.g. "reset to catalogue wording")."""
    row.edit_version = row.edit_version + 1


def _differences(stored: Mapping[str, Any], labels: Mapping[str, str], always: bool = False) -> list[Difference]:
    found = []
    for name, value in stored.items():
        theirs, yours = _text(value), _text(_posted(name, value))
        if theirs != yours or always:
            found.append(Difference(name, labels.get(name, name), theirs, yours,
                                    "\n" in theirs or "\n" in yours or len(theirs) + len(yours) > 120))
    return found


def form_labels(form: Any, names: Iterable[str] | None = None) -> dict[str, str]:
    """Labels of WTForms fields (all but the CSRF token unless `names` are given), for `claim`."""
    names = names if names is not None else [f.name for f in form if f.type != "CSRFTokenField"]
    return {name: str(form[name].label.text) for name in names}


def form_values(form: Any) -> dict[str, Any]:
    """A WTForms form's values by field name (a form filled from the stored row, for `claim`)."""
    return {f.name: f.data for f in form if f.type not in ("CSRFTokenField", "SubmitField")}


def conflict_page(conflict: Conflict, title: str):
    """The notice: both versions, the planner's own kept in the form to save again or copy."""
    edited = {d.name for d in conflict.differences if not isinstance(_posted_raw(d.name), list)}
    kept = [(name, value) for name in request.form for value in request.form.getlist(name)
            if name not in (FIELD, "csrf_token") and name not in edited]
    return render_template("edit_conflict.html", conflict=conflict, title=title, kept=kept,
                           editable=edited, action=request.full_path.rstrip("?")), 409


def _posted_raw(name: str) -> Any:
    values = request.form.getlist(name)
    return values if len(values) != 1 else values[0]

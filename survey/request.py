"""The app's request class: NUL bytes are removed from every form field and query argument.

Nobody types a NUL character; it only arrives by accident (pasted binary) or on purpose. PostgreSQL
refuses it in text columns, which turned a planner's save into a 500 there while SQLite stored it.
Cleaning it once here keeps both databases alike and every view simple.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict


def _clean(values: MultiDict) -> MultiDict:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict([(key.replace("\x00", ""), value.replace("\x00", ""))
                               for key, value in values.items(multi=True)])


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.form = _clean(self.form)  # type: ignore[misc]

    @property
    def args(self) -> MultiDict:  # type: ignore[override]
        cleaned = self.__dict__.get("_clean_args")
        if cleaned is None:
            cleaned = self.__dict__["_clean_args"] = _clean(super().args)
        return cleaned

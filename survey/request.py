"""The app's request class: NUL bytes are removed from every form field and query argument, and
respondent pages read their posts with bounded memory, keeping what fits (`survey/bounded_form.py`).

Nobody types a NUL character; it only arrives by accident (pasted binary) or on purpose. PostgreSQL
refuses it in text columns, which turned a planner's save into a 500 there while SQLite stored it.
Cleaning it once here keeps both databases alike and every view simple.
"""

from __future__ import annotations

import io
from typing import TypeVar

from flask import Request, current_app
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from . import bounded_form

RESPONDENT_MAX_POST = 64 * 1024 * 1024  # default of config RESPONDENT_MAX_POST (bytes of one respondent post)


Fields = TypeVar("Fields", bound=MultiDict[str, str])


def _clean(values: Fields) -> Fields:
    """The fields without NUL characters, in the same (immutable) class as given."""
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return type(values)([(key.replace("\x00", ""), value.replace("\x00", ""))
                         for key, value in values.items(multi=True)])


class CleanRequest(Request):
    cut_fields: dict[str, int] | None = None  # respondent posts: fields cut off while reading, with their length

    def _respondent_post(self) -> bool:
        return self.blueprint == "respond" and self.method == "POST"

    @property
    def max_content_length(self) -> int | None:
        """Respondent posts may be larger than an upload (`RESPONDENT_MAX_POST`): they are read with
        bounded memory, and a page with one pasted monster must still save its other answers."""
        if self._max_content_length is None and current_app and self._respondent_post():
            return current_app.config.get("RESPONDENT_MAX_POST", RESPONDENT_MAX_POST)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        if self._respondent_post() and self.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            boundary = self.mimetype_params.get("boundary", "").encode("latin-1")
            if self.mimetype == "multipart/form-data" and not boundary:
                super()._load_form_data()
            else:
                stream = self.stream  # raises 413 above max_content_length, before anything is read
                form, cut = (bounded_form.read_urlencoded(stream) if not boundary
                             else bounded_form.read_multipart(stream, boundary))
                self.__dict__.update(stream=io.BytesIO(), form=ImmutableMultiDict(form),
                                     files=ImmutableMultiDict())
                self.cut_fields = cut
        else:
            super()._load_form_data()
        self.form = _clean(self.form)

    @property
    def args(self) -> MultiDict[str, str]:
        cleaned = self.__dict__.get("_clean_args")
        if cleaned is None:
            cleaned = self.__dict__["_clean_args"] = _clean(super().args)
        return cleaned

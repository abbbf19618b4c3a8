"""Reading a respondent's form post with bounded memory, keeping what fits.

Werkzeug refuses a whole post above `MAX_CONTENT_LENGTH` (or one field above
`MAX_FORM_MEMORY_SIZE`) with a 413, and every answer on the page is lost with it. Respondent pages
read their posts here instead (`survey/request.py`): the body is read in chunks, each field value
keeps at most `FIELD_BYTES` bytes (far more than any kind's limit, so a cut value is always over its
limit and is refused with the limit by `services/responses.py`, its beginning shown back), at most
`MAX_FIELDS` fields are kept, and the names of cut fields are reported with the length received.
Memory stays bounded whatever arrives; the body itself is bounded by `RESPONDENT_MAX_POST`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import MultiDict
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

FIELD_BYTES = 256 * 1024  # of one field's value; LongText's 5,000 characters are at most 20 kB of UTF-8
MAX_FIELDS = 5000  # a page posts a few hundred at most (a matrix of 30 rows, lists, "Sonstiges" texts)
CHUNK = 64 * 1024


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _text(data: bytes, cut: bool) -> str:
    text = data.decode("utf-8", "replace")
    return text.rstrip("\ufffd") if cut else text  # a character split at the cut


class _Collector:
    def __init__(self) -> None:
        self.fields: list[tuple[str, str]] = []
        self.cut: dict[str, int] = {}

    def add(self, name: str, value: bytes, received: int) -> None:
        if len(self.fields) >= MAX_FIELDS:
            return
        cut = received > len(value)
        text = _text(value, cut)
        self.fields.append((name, text))
        if cut:  # characters received, estimated from the kept part's bytes per character
            ratio = len(text) / max(len(value), 1)
            self.cut[name] = max(self.cut.get(name, 0), int(received * ratio))


def read_urlencoded(stream: IO[bytes]) -> tuple[MultiDict, dict[str, int]]:
    """`name=value&…` read chunk by chunk; a value is cut after FIELD_BYTES (decoded)."""
    collector = _Collector()
    encoded_cap = FIELD_BYTES * 3  # "%C3%A4" is 6 bytes for 2 decoded
    pair = bytearray()
    received = 0  # bytes of the current pair, also beyond the cap

    def finish() -> None:
        nonlocal pair, received
        if pair:
            raw_name, _, raw_value = bytes(pair).partition(b"=")
            name = _text(unquote_to_bytes(raw_name.replace(b"+", b" ")), False)
            cut = received > len(pair)
            if cut:  # an escape split at the cut
                tail = raw_value[-2:]
                if b"%" in tail:
                    raw_value = raw_value[:len(raw_value) - len(tail) + tail.index(b"%")]
            value = unquote_to_bytes(raw_value.replace(b"+", b" "))
            name_bytes = len(raw_name) + 1
            whole = int(len(value) * (received - name_bytes) / max(len(raw_value), 1)) if cut else len(value)
            collector.add(name, value, whole)
        pair = bytearray()
        received = 0

    for chunk in _chunks(stream):
        pieces = chunk.split(b"&")
        for index, piece in enumerate(pieces):
            if index:
                finish()
            received += len(piece)
            room = encoded_cap - len(pair)
            if room > 0:
                pair += piece[:room]
    finish()
    return MultiDict(collector.fields), collector.cut


def read_multipart(stream: IO[bytes], boundary: bytes) -> tuple[MultiDict, dict[str, int]]:
    """multipart/form-data (autosave sends FormData) read with Werkzeug's event decoder; file parts
    are skipped (respondent pages have none)."""
    collector = _Collector()
    decoder = MultipartDecoder(boundary)
    name: str | None = None
    value = bytearray()
    received = 0
    for chunk in [*_chunks(stream), None]:
        decoder.receive_data(chunk)
        event = decoder.next_event()
        while not isinstance(event, (Epilogue, NeedData)):
            if isinstance(event, Field):
                name, value, received = event.name, bytearray(), 0
            elif isinstance(event, File):
                name = None
            elif isinstance(event, Data) and name is not None:
                received += len(event.data)
                room = FIELD_BYTES - len(value)
                if room > 0:
                    value += event.data[:room]
                if not event.more_data:
                    collector.add(name, bytes(value), received)
                    name = None
            event = decoder.next_event()
    return MultiDict(collector.fields), collector.cut

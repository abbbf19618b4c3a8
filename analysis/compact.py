"""Compact answer values for a `Dataset` held in memory: the same typed values, stored with far
fewer objects, so the results page, the workbook and the report hold 100,000 responses in a few
hundred MB instead of several GB.

Decoded JSON gives every response its own copy of every key, every code ("kita", "verein"), every
list of codes and a full dict per roster entry (an offer, a partner): about 180 objects and 11 KB
per response of the demo survey. `Compactor.values` returns values equal to the ones given, but

* strings, numbers and lists of plain values are pooled: equal ones are one shared object
  (codes and combinations of codes repeat across responses; free text is stored once per
  distinct text);
* each entry of a group or roster is an `Entry`: a read-only mapping over a tuple of values with
  a key tuple shared by all entries of the same shape.

The values are read-only (shared lists must not be changed in place). A pool lives as long as the
dataset it built; the streamed exports read responses without one. Nothing here knows Flask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_SCALARS = (str, int, float, bool, type(None))


class Entry(Mapping[str, Any]):
    """One entry of a group or roster question (an offer, a partner) as a read-only mapping;
    equal to the dict it was made from."""

    __slots__ = ("_keys", "_values", "_index")

    def __init__(self, keys: tuple[str, ...], values: tuple[Any, ...], index: dict[str, int]) -> None:
        self._keys = keys
        self._values = values
        self._index = index

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        position = self._index.get(key)
        return default if position is None else self._values[position]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def items(self) -> Any:  # zip, not the generic view: entries are read field by field in exports
        return zip(self._keys, self._values, strict=True)

    def __repr__(self) -> str:
        return f"Entry({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (dict(self.items()),)  # pickled as a plain dict (benchmarks pickle datasets)


def _key(value: Any) -> tuple[Any, ...]:
    """Pool key of a scalar: its type and value, floats by their bits (-0.0 equals 0.0 but is not it)."""
    return (float, value.hex()) if type(value) is float else (type(value), value)


class Compactor:
    """Pools for one dataset: `values(answers)` returns the answers with shared parts."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._pool: dict[Any, Any] = {}
        self._shapes: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, int]]] = {}

    def values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The response's answers (question key → typed value) in compact form."""
        strings = self._strings
        return {strings.setdefault(k, k): self._value(v) for k, v in answers.items()}

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self._strings.setdefault(value, value)
        if kind is int or kind is float:
            return self._pool.setdefault(_key(value), value)
        if kind is list:
            items = [self._value(v) for v in value]
            if all(type(v) in _SCALARS for v in items):
                key = (list, *(_key(v) for v in items))
                return self._pool.setdefault(key, items)
            return items
        if kind is dict:
            return self._entry(value)
        return value

    def _entry(self, value: dict[str, Any]) -> Entry:
        shape = tuple(value)
        found = self._shapes.get(shape)
        if found is None:
            keys = tuple(self._strings.setdefault(k, k) for k in shape)
            found = self._shapes[shape] = (keys, {k: i for i, k in enumerate(keys)})
        return Entry(found[0], tuple(self._value(v) for v in value.values()), found[1])

"""The one per-process cache helper: a thread-safe memo over a cachetools cache.

Used for results datasets, networks and page data (`services/results`), wave comparisons
(`services/wave_results`) and the pages of frozen surveys (`services/surveys`). Keys carry what
makes an entry valid (a data stamp, the opening time), so an entry is never stale; size and time
limits only bound the memory held for surveys nobody looks at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import cachetools

T = TypeVar("T")


class Memo:
    """`memo.get(key, compute)`: the cached value, or `compute()` stored under `key`.

    cachetools' caches are not thread-safe; gunicorn threads share this one, so every access holds
    the lock. `compute` runs outside it: two requests may compute the same entry at once (the
    second result wins), but a slow computation never blocks other keys.
    """

    def __init__(self, cache: cachetools.Cache[Hashable, Any]) -> None:
        self._cache = cache
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            try:
                return self._cache[key]
            except KeyError:
                pass
        value = compute()
        with self._lock:
            self._cache[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def ttl_memo(maxsize: int, seconds: float) -> Memo:
    """A memo keeping at most `maxsize` entries (least recently used leave first), each for `seconds`."""
    return Memo(cachetools.TTLCache(maxsize=maxsize, ttl=seconds))


def lru_memo(maxsize: int) -> Memo:
    """A memo keeping at most `maxsize` entries, least recently used leave first."""
    return Memo(cachetools.LRUCache(maxsize=maxsize))

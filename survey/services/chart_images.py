"""Rendered chart images (PNG/SVG bytes), kept per process, keyed by the data stamp, the filters,
the viewer, the chart and the format: the results page's image requests render each chart once,
and the PDF report takes the same images instead of drawing them again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_BYTES = 64 * 1024 * 1024  # a few surveys' worth of charts (a demo page is about 3 MB of PNG)

_images: OrderedDict[Hashable, bytes] = OrderedDict()
_size = 0
_lock = threading.Lock()


def image(key: Hashable, render: Callable[[], bytes | None]) -> bytes | None:
    """The image under `key`, rendered by `render` on the first request (None: no chart)."""
    global _size
    with _lock:
        found = _images.get(key)
        if found is not None:
            _images.move_to_end(key)
            return found
    made = render()
    if made is None:
        return None
    with _lock:
        if key not in _images:
            _images[key] = made
            _size += len(made)
        while _size > MAX_BYTES and len(_images) > 1:
            _key, dropped = _images.popitem(last=False)
            _size -= len(dropped)
    return made


def clear() -> None:
    global _size
    with _lock:
        _images.clear()
        _size = 0

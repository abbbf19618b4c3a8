"""HTML to tagged PDF with WeasyPrint: the one place that knows the PDF options (used by the report
and by the questionnaire on paper)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from typing import Any

PDF_OPTIONS: dict[str, Any] = {
    # Tagged PDF: structure tree, /Lang from <html lang>, figure alt texts from <img alt>,
    # table header cells from <th>. Not claimed as PDF/UA: no validator has checked it.
    "pdf_tags": True,
    "pdf_version": "1.7",
}
SCHEME = "bild:"  # images handed over in memory (no base64 in the HTML: parsing that is slow)
CACHE_ENTRIES = 400  # WeasyPrint's decoded and re-encoded images, shared by every PDF of the process

_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()
_patched = False


def _reuse_image_streams() -> None:
    """Make WeasyPrint convert each cached image to its PDF stream once per process, not once per PDF.

    WeasyPrint keeps the decoded image (our `_cache`, keyed by its `bild:` address) but decodes
    and re-encodes the PNG, and splits off its alpha channel, for every document: about a third
    of a warm report. The converted streams are kept on the image and copied for each document
    (a copy: WeasyPrint numbers the objects it adds to a PDF). Checked against WeasyPrint 66–70;
    if the method is missing, nothing is changed and images are converted as before."""
    global _patched
    if _patched:
        return
    _patched = True
    import pydyf
    from weasyprint import images

    original = getattr(images.RasterImage, "get_x_object", None)
    if original is None:  # pragma: no cover - a WeasyPrint without it: leave it alone
        return

    def copy(stream: Any) -> Any:
        extra = pydyf.Dictionary(stream.extra)
        if isinstance(extra.get("SMask"), pydyf.Stream):
            extra["SMask"] = copy(extra["SMask"])
        return pydyf.Stream(list(stream.stream), extra, stream.compress)

    def get_x_object(self: Any, interpolate: Any, dpi_ratio: Any) -> Any:
        memo = self.__dict__.setdefault("_lueckenlos_streams", {})
        key = (interpolate, dpi_ratio)
        with _cache_lock:
            made = memo.get(key)
        if made is None:
            made = original(self, interpolate, dpi_ratio)
            if isinstance(made.extra.get("SMask"), pydyf.Stream):  # keep an untouched copy
                made = copy(made)
            with _cache_lock:
                memo[key] = made
        return copy(made)

    images.RasterImage.get_x_object = get_x_object


def resource_name(data: bytes) -> str:
    """A stable address for image bytes: the same chart is converted for the PDF only once."""
    return SCHEME + hashlib.sha1(data, usedforsecurity=False).hexdigest()


def html_to_pdf(html: str, images: Mapping[str, tuple[bytes, str]] | None = None) -> bytes:
    """Render an HTML document (with its own print CSS) to PDF bytes; the <title> becomes the
    document title. `images` maps `bild:` addresses to (bytes, MIME type); nothing else is fetched."""
    from weasyprint import HTML  # imported late: loading pango takes a moment
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class InMemory(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types: its classes are Any
        """Serves the images handed over; fetches nothing from files or the network."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if images and url in images:
                data, mime = images[url]
                return URLFetcherResponse(url, data, {"Content-Type": mime})
            raise ValueError(f"no external resources in a PDF: {url[:60]}")

    _reuse_image_streams()
    with _cache_lock:
        if len(_cache) > CACHE_ENTRIES:
            _cache.clear()
    pdf: bytes = HTML(string=html, url_fetcher=InMemory()).write_pdf(cache=_cache, **PDF_OPTIONS)
    return pdf

"""HTML to tagged PDF with WeasyPrint: the one place that knows the PDF options (used by the report
and by the questionnaire on paper)."""

from __future__ import annotations

from typing import Any

PDF_OPTIONS: dict[str, Any] = {
    # Tagged PDF: structure tree, /Lang from <html lang>, figure alt texts from <img alt>,
    # table header cells from <th>. Not claimed as PDF/UA: no validator has checked it.
    "pdf_tags": True,
    "pdf_version": "1.7",
    "uncompressed_pdf": False,
}


def html_to_pdf(html: str, base_url: str | None = None, stylesheets: list[str] | None = None) -> bytes:
    """Render an HTML document (with its own print CSS) to PDF bytes; the <title> becomes the
    document title, shown by viewers instead of the file name."""
    from weasyprint import CSS, HTML  # imported late: loading pango takes a moment

    css = [CSS(string=s) for s in stylesheets or ()]
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=css, **PDF_OPTIONS)

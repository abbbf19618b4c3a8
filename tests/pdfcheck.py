"""Reading PDFs back in tests (pypdf): page sizes, page texts, the structure tree."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject

A4 = (595.28, 841.89)  # points


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def is_a4(page: Any) -> bool:
    size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
    return abs(size[0] - A4[0]) < 1 and abs(size[1] - A4[1]) < 1


def is_landscape(page: Any) -> bool:
    return float(page.mediabox.width) > float(page.mediabox.height)


def texts(pdf: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


def structure(pdf: pypdf.PdfReader) -> list[DictionaryObject]:
    """Every element of the structure tree (depth first)."""
    root = pdf.trailer["/Root"]
    found: list[DictionaryObject] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject) and "/S" in node:
            found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"]["/K"])
    return found

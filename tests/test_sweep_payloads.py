"""Script and formula payloads typed into every text field (planner, admin and respondent forms)
are shown as text on every page and in every mail, and no export hands a spreadsheet a formula.

The payloads come from `sweep_payloads.seed`; the pages and exports from `app.url_map` (every
route answering CSV, XLSX, PDF, GraphML, SVG), so a new page or download is checked untouched.
The browser half (chromium runs no payload) is tests/e2e/test_sweep_payloads_browser.py.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa
from flask import url_for

from factories import fetch_prepared, login
from survey.extensions import db
from survey.models import OutboxMessage
from sweep_payloads import FORMULA_CELL, NUMBER, PAYLOADS, RAW_MARKUP, seed, staff_pages
from sweep_world import build_kommune
from test_sweep_tenancy import _rules, _values

PREPARED = {"results.xlsx", "results.report"}


@pytest.fixture
def seeded(app):
    world = build_kommune(app, "Stadt Musterhausen")
    return world, seed(app, world)


def _exports(app, world) -> list[tuple[str, str]]:
    """(endpoint, url) of every download of the url map, both CSV variants and every format."""
    found = []
    with app.test_request_context():
        for rule in _rules(app):
            if "GET" not in rule.methods or "token" in rule.arguments or rule.endpoint == "static":
                continue
            values = _values(rule, world)
            formats = {"fmt": ["csv", "xlsx", "svg"], "ext": ["csv", "svg"]}
            if "fmt" in rule.arguments or "ext" in rule.arguments:
                arg = "fmt" if "fmt" in rule.arguments else "ext"
                found += [(rule.endpoint, url_for(rule.endpoint, **values | {arg: f})) for f in formats[arg]]
            elif rule.rule.endswith((".csv", ".xlsx", ".pdf", ".graphml")):
                found.append((rule.endpoint, url_for(rule.endpoint, **values)))
                if rule.rule.endswith(".csv"):
                    found.append((rule.endpoint, url_for(rule.endpoint, **values, variante="lesbar")))
    return found


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)  # the exports write ";" (Excel, German) or "," (RFC 4180)
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def _formula_cells(cells) -> list[str]:
    return [c for c in cells if isinstance(c, str) and FORMULA_CELL.match(c) and not NUMBER.match(c.strip())]


def _tables_holding_payloads(app) -> set[str]:
    found = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                if any(p in str(value) for value in row for p in PAYLOADS):
                    found.add(table.name)
                    break
    return found


def test_payloads_are_text_on_every_page_and_in_every_mail(app, seeded):
    world, posted = seeded
    stored = _tables_holding_payloads(app)
    assert {"kommune", "actor", "survey", "survey_page", "survey_item", "response", "district", "user",
            "invitation"} <= stored, stored
    assert len(posted["staff_forms"]) >= 20, posted["staff_forms"]
    assert len(posted["respondent_fields"]) >= 3, posted["respondent_fields"]
    clients = {role: login(app.test_client(), world["emails"][role]) for role in ("admin", "analyst")}
    pages = staff_pages(app, world)
    respondent = app.test_client()
    for token in world["tokens"]:
        pages += [f"/r/{token}", f"/r/{token}/seite/1", f"/r/{token}/seite/2", f"/r/{token}/pruefen",
                  f"/r/{token}/fertig"]
    raw, escaped, read = [], 0, 0
    for url in pages:
        for client in [respondent] if url.startswith("/r/") else clients.values():
            response = client.get(url)
            if "html" not in (response.content_type or "") or response.status_code != 200:
                continue
            html = response.get_data(as_text=True)
            read += 1
            escaped += html.count("&lt;script&gt;window.__sweep")
            raw += [f"{url}: …{html[max(m.start() - 80, 0):m.end() + 40]}…" for m in RAW_MARKUP.finditer(html)]
    assert not raw, "\n".join(raw)
    assert read > 40 and escaped >= 5  # the payloads were stored and are shown (as text)
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxMessage)).all()
        raw = [f"{m.kind} to {m.recipient}" for m in mails if RAW_MARKUP.search(m.body_html)]
        assert mails and not raw, raw


def test_no_export_hands_a_spreadsheet_a_formula_or_raw_markup(app, seeded):
    world, _posted = seeded
    problems, opened, payload_cells = [], set(), 0
    for role in ("admin", "analyst"):
        client = login(app.test_client(), world["emails"][role])
        for endpoint, url in _exports(app, world):
            response = fetch_prepared(client, url) if endpoint in PREPARED else client.get(url)
            if response.status_code != 200:
                continue
            data, kind = response.get_data(), response.content_type or ""
            opened.add(f"{endpoint}:{url.rsplit('.', 1)[-1].split('?')[0]}")
            if "csv" in kind:
                cells = _csv_cells(data)
                payload_cells += sum("__sweep" in c or "HYPERLINK" in c for c in cells)
                problems += [f"{role} {url}: {c!r}" for c in _formula_cells(cells)]
            elif data[:2] == b"PK":
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=False)
                for sheet in book.worksheets:
                    for row in sheet.iter_rows():
                        for cell in row:
                            if cell.data_type == "f":
                                problems.append(f"{role} {url} {sheet.title}!{cell.coordinate}: formula {cell.value!r}")
                            elif isinstance(cell.value, str) and "__sweep" in cell.value:
                                payload_cells += 1
            elif data[:4] == b"%PDF":
                text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
                if RAW_MARKUP.search(data.decode("latin-1")):
                    problems.append(f"{role} {url}: payload markup in the PDF")
                payload_cells += text.count("__sweep")
            elif b"<svg" in data[:500] or b"graphml" in data[:500]:
                try:
                    ElementTree.fromstring(data)  # a payload that broke out would break the XML
                except ElementTree.ParseError as error:
                    problems.append(f"{role} {url}: not well-formed ({error})")
                if RAW_MARKUP.search(data.decode("utf-8", "replace")):
                    problems.append(f"{role} {url}: payload markup in the XML")
    assert not problems, "\n".join(problems)
    assert {"results.responses_csv:csv", "results.xlsx:xlsx", "results.report:pdf", "actors.export:xlsx",
            "actors.export:csv", "results.graphml:graphml"} <= opened, sorted(opened)
    assert payload_cells >= 5  # the payloads did reach the exports

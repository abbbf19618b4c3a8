"""The report link in a real browser: it says the report is being prepared, then offers the file;
the print view of the questionnaire prints on A4."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from test_results import survey_id  # noqa: F401  (four submitted organisations)
from e2e.test_thin_path import _login

pytestmark = pytest.mark.e2e


def test_report_link_announces_preparation_then_offers_the_pdf(context, live_server, planner, survey_id, tmp_path):
    page = context.new_page()
    _login(page, live_server, planner[1])
    page.goto(f"{live_server}/results/{survey_id}")
    page.get_by_role("link", name="Bericht als PDF (alle Diagramme und Tabellen, A4)").click()
    status = page.locator("#report-status")
    expect(status).to_contain_text("Bericht wird erstellt …", timeout=5_000)
    ready = page.get_by_role("link", name="Bericht herunterladen")
    expect(ready).to_be_visible(timeout=120_000)
    expect(ready).to_be_focused()
    page.screenshot(path=str(tmp_path / "bericht-fertig.png"))
    with page.expect_download() as download:
        ready.click()
    path = tmp_path / "bericht.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith("bericht.pdf")

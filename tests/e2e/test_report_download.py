"""The report link in a real browser: it says the report is being prepared, the job worker prepares
it, then the page offers the file, also after a reload."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import test_results
from e2e.test_thin_path import _login
from survey.extensions import db
from survey.models import Job
from test_job_workers import _worker

survey_id = test_results.survey_id  # the fixture: four submitted organisations

pytestmark = pytest.mark.e2e


def test_report_is_prepared_by_the_job_worker_and_a_reload_offers_the_file(app, context, live_server, planner,
                                                                            survey_id, tmp_path):
    page = context.new_page()
    _login(page, live_server, planner[1])
    page.goto(f"{live_server}/results/{survey_id}")
    # A real job worker process, next to the served app (as `make run` starts it).
    worker = _worker(app, "--watch", "--kind", "download.bericht", quiet=True)
    try:
        page.get_by_role("link", name="Bericht als PDF (alle Diagramme und Tabellen, A4)").click()
        status = page.locator("#bericht-status")
        expect(status).to_contain_text("Bericht wird erstellt …", timeout=5_000)
        page.reload()  # the running job is found again: no second job, no new wait from zero
        expect(status).to_contain_text(re.compile("Bericht wird erstellt …|Fertig"))
        ready = status.get_by_role("link", name=re.compile(r"^Bericht herunterladen \(PDF, "))
        expect(ready).to_be_visible(timeout=240_000)
        page.reload()  # the prepared file survives a reload: offered at once
        expect(ready).to_be_visible(timeout=2_000)
        page.locator("#downloads").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "bericht-fertig.png"), full_page=False)
        with page.expect_download() as download:
            ready.click()
        path = tmp_path / "bericht.pdf"
        download.value.save_as(path)
        assert path.read_bytes().startswith(b"%PDF")
        assert download.value.suggested_filename.endswith("bericht.pdf")
    finally:
        worker.kill()
        worker.wait()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Job.id)).where(Job.kind == "download.bericht")) == 1
        db.session.remove()

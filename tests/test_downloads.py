"""Prepared downloads (the PDF report, the workbook): the link starts or finds a job, the worker
prepares the file, a reload finds it; changed data, another role or another Kommune never get it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import invite, login, make_survey, make_user
from survey import worker
from survey.extensions import db
from survey.models import Job, JobState, Survey
from survey.services import jobs

KINDS = ["download.bericht", "download.arbeitsmappe", "downloads.cleanup"]


@pytest.fixture
def survey_id(app, planner) -> int:
    with app.app_context():
        survey = make_survey(planner[0], title="Netzwerke Nord")
        invite(survey, "kita@nord.example")
        db.session.commit()
        return survey.id


def run_worker(app) -> int:
    with app.app_context():
        ran = worker.work_once("test-worker", KINDS)
        db.session.remove()
        return ran


def all_jobs(app) -> list[Job]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Job).where(Job.kind.like("download.%")).order_by(Job.id)).all()
        db.session.expunge_all()
        return rows


def status_text(page: str, what: str) -> str:
    match = re.search(rf'<span id="{what}-status"[^>]*>(.*?)</span>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_report_link_without_script_waits_then_offers_the_file_and_a_reload_finds_it(app, planner_client, survey_id):
    base = f"/results/{survey_id}"
    first = planner_client.get(base + "/bericht.pdf")
    assert first.status_code == 302 and first.headers["Location"].endswith(f"{base}/vorbereiten/bericht")
    waiting = planner_client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Bericht wird erstellt …" in waiting and 'http-equiv="refresh"' in waiting
    assert "Hintergrunddienst" in waiting  # no job worker beats in this test
    # a reload of the results page shows the running job, not a new wait
    assert status_text(planner_client.get(base).get_data(as_text=True), "bericht") == "Bericht wird erstellt …"
    planner_client.get(base + "/bericht.pdf")
    assert len(all_jobs(app)) == 1

    assert run_worker(app) >= 1
    ready = planner_client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in ready
    assert re.search(r'Fertig:\s*<a class="prepared" href="[^"]*bericht.pdf">Bericht herunterladen \(PDF, \d+(,\d)? '
                     r'[kM]B\)', ready)
    assert re.match(r"Fertig: Bericht herunterladen \(PDF, \d+(,\d)? [kM]B\)",
                    status_text(planner_client.get(base).get_data(as_text=True), "bericht"))
    pdf = planner_client.get(base + "/bericht.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert f"befragung-{survey_id}-netzwerke-nord-bericht.pdf" in pdf.headers["Content-Disposition"]
    assert len(all_jobs(app)) == 1 and run_worker(app) == 0  # fetching it again made no new job


def test_changed_answers_are_not_offered_with_an_old_file(app, planner_client, survey_id):
    base = f"/results/{survey_id}"
    planner_client.get(base + "/auswertung.xlsx")
    run_worker(app)
    old = all_jobs(app)[0]
    assert planner_client.get(base + "/auswertung.xlsx").mimetype.endswith("spreadsheetml.sheet")
    with app.app_context():
        invite(db.session.get(Survey, survey_id), "schule@nord.example")  # the data changes
        db.session.commit()
    assert status_text(planner_client.get(base).get_data(as_text=True), "arbeitsmappe") == ""
    assert planner_client.get(base + "/auswertung.xlsx").status_code == 302
    run_worker(app)
    rows = all_jobs(app)
    assert [r.id for r in rows] != [old.id] and len(rows) == 1  # the stale file and its job are gone
    assert not (Path(app.instance_path) / old.result_path).exists()
    assert planner_client.get(base + "/auswertung.xlsx").status_code == 200


def test_an_analyst_never_gets_the_planners_file(app, planner_client, analyst_client, survey_id):
    base = f"/results/{survey_id}"
    planner_client.get(base + "/bericht.pdf")
    run_worker(app)
    assert planner_client.get(base + "/bericht.pdf").status_code == 200
    assert status_text(analyst_client.get(base).get_data(as_text=True), "bericht") == ""
    assert analyst_client.get(base + "/bericht.pdf").status_code == 302
    assert [r.args["planner"] for r in all_jobs(app)] == [True, False]


def test_another_kommune_gets_404_on_every_prepared_download_url(app, planner_client, survey_id):
    planner_client.get(f"/results/{survey_id}/bericht.pdf")
    run_worker(app)
    _id, email = make_user(app, "planner", kommune="Stadt Anderswo", email="planer@anderswo.example")
    other = login(app.test_client(), email)
    base = f"/results/{survey_id}"
    for path in ("/bericht.pdf", "/auswertung.xlsx", "/vorbereiten/bericht", "/vorbereiten/arbeitsmappe",
                 "/vorbereiten/bericht/status", "/vorbereiten/bericht/status?starten=1"):
        response = other.get(base + path)
        assert response.status_code == 404, path
        assert "Netzwerke Nord" not in response.get_data(as_text=True)
    assert other.post(base + "/vorbereiten/bericht").status_code == 404
    assert planner_client.get(base + "/vorbereiten/gibt-es-nicht").status_code == 404
    assert len(all_jobs(app)) == 1


def test_status_for_the_script_looks_without_starting_and_starts_when_asked(app, planner_client, survey_id):
    url = f"/results/{survey_id}/vorbereiten/arbeitsmappe/status"
    assert planner_client.get(url).get_json()["state"] == "none"
    assert all_jobs(app) == []
    started = planner_client.get(url + "?starten=1").get_json()
    assert started["state"] == "queued" and started["message"] == "Arbeitsmappe wird erstellt …"
    run_worker(app)
    done = planner_client.get(url).get_json()
    assert done["state"] == "done" and done["url"].endswith("/auswertung.xlsx")
    assert re.fullmatch(r"XLSX, \d+(,\d)? [kM]B", done["size"])


def test_a_failed_preparation_says_why_and_can_be_started_again(app, planner_client, survey_id, monkeypatch):
    at = {"now": jobs.now()}
    monkeypatch.setattr(jobs, "now", lambda: at["now"])
    blocker = Path(app.instance_path) / "downloads"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    if blocker.exists():
        import shutil
        shutil.rmtree(blocker)
    blocker.write_text("kein Ordner")  # the folder cannot be created: every attempt fails
    try:
        planner_client.get(f"/results/{survey_id}/bericht.pdf")
        for _ in range(jobs.MAX_ATTEMPTS):
            run_worker(app)
            at["now"] += dt.timedelta(minutes=15)
        page = planner_client.get(f"/results/{survey_id}/vorbereiten/bericht").get_data(as_text=True)
        assert "Bericht konnte nicht erstellt werden" in page and "Erneut versuchen" in page
        assert 'http-equiv="refresh"' not in page
        results_page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
        assert "konnte nicht erstellt werden" in status_text(results_page, "bericht")
    finally:
        blocker.unlink()
    assert planner_client.post(f"/results/{survey_id}/vorbereiten/bericht").status_code == 302
    assert all_jobs(app)[0].state is JobState.QUEUED
    run_worker(app)
    assert planner_client.get(f"/results/{survey_id}/bericht.pdf").data.startswith(b"%PDF")


def test_old_files_are_cleaned_up(app, planner_client, survey_id, monkeypatch):
    planner_client.get(f"/results/{survey_id}/bericht.pdf")
    run_worker(app)
    job = all_jobs(app)[0]
    path = Path(app.instance_path) / job.result_path
    assert path.exists()
    stray = path.parent / "verwaist.pdf"
    stray.write_bytes(b"%PDF")
    later = jobs.now() + dt.timedelta(days=3)
    monkeypatch.setattr(jobs, "now", lambda: later)
    run_worker(app)  # the periodic clean-up is due
    assert not path.exists() and not stray.exists() and all_jobs(app) == []
    assert planner_client.get(f"/results/{survey_id}/bericht.pdf").status_code == 302

"""Prepared downloads: the PDF report and the workbook are rendered by the job worker into files
under `instance/downloads/<kommune id>/`, one per survey + filters + role + data stamp, so nobody
waits a minute in front of a blank page and a reload finds the file (or the running job).

The key holds the results dataset's data stamp (`results.cache.data_stamp`): once an answer changes, the
key of what the page shows changes, so a stale file is never offered as current; it is deleted
when its successor is ready, and the periodic job "downloads.cleanup" deletes what nobody fetched.
The role (planner or analyst, and the minimum group size) is in the key too, so an analyst never
gets a planner's file; a file is served only through its survey (`own_survey`: another Kommune
gets a 404) and only to the Kommune written on the job row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Job, JobState, Survey
from . import jobs, results_page
from .results import cache as results_cache
from .results import charts as results_charts
from .results import files as results_files
from .results import filters as results_filters

KEEP = dt.timedelta(days=2)  # files nobody fetched are deleted after this
VERSION = 3  # bump when the rendering changes, so files prepared before a deploy are not offered


@dataclasses.dataclass(frozen=True)
class Product:
    what: str  # URL word: bericht, arbeitsmappe
    kind: str  # job kind
    ext: str
    content_type: str
    label: str  # "Bericht"
    busy: str  # "Bericht wird erstellt"
    ready: str  # link text once prepared


PRODUCTS = {
    "bericht": Product("bericht", "download.bericht", "pdf", "application/pdf", "Bericht",
                       "Bericht wird erstellt", "Bericht herunterladen"),
    "arbeitsmappe": Product("arbeitsmappe", "download.arbeitsmappe", "xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Arbeitsmappe",
                            "Arbeitsmappe wird erstellt", "Arbeitsmappe herunterladen"),
}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:40]


def _family(product: Product, survey: Survey, filters: results_filters.Filters,
            viewer: results_charts.Viewer) -> dict[str, Any]:
    """What the file shows, without the data stamp."""
    return {"survey_id": survey.id, "what": product.what, "query": filters.query(),
            "planner": viewer.planner, "min_group": viewer.min_group,
            "rows": viewer.rows, "free_text": viewer.free_text}  # a changed sharing setting: another file


def key_of(product: Product, survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer,
           stamp: Any = None) -> str:
    stamp = results_cache.data_stamp(survey) if stamp is None else stamp
    return _digest([VERSION, _family(product, survey, filters, viewer), repr(stamp)])


def find_all(survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer) -> dict[str, Job | None]:
    """The current job of every product (one data stamp, one query), for the results page."""
    stamp = results_cache.data_stamp(survey)
    keys = {p.what: key_of(p, survey, filters, viewer, stamp) for p in PRODUCTS.values()}
    rows = {(j.kind, j.key): j for j in db.session.scalars(sa.select(Job).where(Job.key.in_(keys.values())))}
    return {what: rows.get((PRODUCTS[what].kind, key)) for what, key in keys.items()}


def find(product: Product, survey: Survey, filters: results_filters.Filters,
         viewer: results_charts.Viewer) -> Job | None:
    """The job of the current file, if one was started."""
    return db.session.execute(sa.select(Job).where(
        Job.kind == product.kind, Job.key == key_of(product, survey, filters, viewer))).scalar_one_or_none()


def start(product: Product, survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer) -> Job:
    """The job of the current file: found, or queued. A done job whose file is gone runs again."""
    family = _family(product, survey, filters, viewer)
    job = jobs.enqueue(product.kind, key_of(product, survey, filters, viewer),
                       {**family, "family": _digest(family)}, kommune_id=survey.kommune_id)
    if job.state is JobState.DONE and path_of(job) is None:
        jobs.requeue(job)
    return job


def retry(job: Job) -> None:
    if job.state is JobState.FAILED:
        jobs.requeue(job)


def folder() -> Path:
    return Path(current_app.instance_path) / "downloads"


def path_of(job: Job) -> Path | None:
    """The prepared file of a done job, if it is still there."""
    if job.state is not JobState.DONE or not job.result_path:
        return None
    path = Path(current_app.instance_path) / job.result_path
    return path if path.is_file() else None


def filename(product: Product, survey: Survey) -> str:
    what = {"bericht": "bericht", "arbeitsmappe": "auswertung"}[product.what]
    return f"befragung-{survey.id}-{results_files.file_slug(survey.title)}-{what}.{product.ext}"


def _prepare(product: Product, job: Job) -> None:
    """Render the file `job` describes into the instance folder (atomically: a reader never sees half)."""
    args = job.args
    survey = db.session.get(Survey, args["survey_id"])
    if survey is None or survey.kommune_id != job.kommune_id:
        raise jobs.JobError("Die Befragung gibt es nicht mehr.")
    filters = results_filters.Filters.from_args(MultiDict([(k, v) for k, values in args["query"].items()
                                                   for v in (values if isinstance(values, list) else [values])]))
    viewer = results_charts.Viewer(planner=bool(args["planner"]), min_group=int(args["min_group"]),
                            rows=bool(args.get("rows")), free_text=bool(args.get("free_text")))
    target = folder() / str(survey.kommune_id)
    target.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target, prefix=".prepare-", suffix="." + product.ext)
    try:
        with os.fdopen(handle, "wb") as file:
            if product.what == "bericht":
                file.write(results_page.report_bytes(survey, filters, viewer))
            else:
                results_page.write_workbook(survey, filters, viewer, file)
        final = target / f"{job.key}.{product.ext}"
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    job.result_path = str(final.relative_to(current_app.instance_path))
    job.result_size = final.stat().st_size
    _drop_superseded(job)


def _drop_superseded(job: Job) -> None:
    """Delete the earlier files of the same survey, filters and role (their data stamp is old)."""
    older = db.session.scalars(sa.select(Job).where(Job.kind == job.kind, Job.id != job.id,
                                                    Job.kommune_id == job.kommune_id,
                                                    Job.state.in_([JobState.DONE, JobState.FAILED]))).all()
    for other in older:
        if other.args.get("family") == job.args.get("family"):
            _delete(other)


def _delete(job: Job) -> None:
    if job.result_path:
        (Path(current_app.instance_path) / job.result_path).unlink(missing_ok=True)
    db.session.delete(job)


@jobs.job_kind("download.bericht", label="Bericht (PDF) vorbereiten")
def prepare_report(job: Job) -> None:
    _prepare(PRODUCTS["bericht"], job)


@jobs.job_kind("download.arbeitsmappe", label="Arbeitsmappe (XLSX) vorbereiten")
def prepare_workbook(job: Job) -> None:
    _prepare(PRODUCTS["arbeitsmappe"], job)


@jobs.job_kind("downloads.cleanup", interval=dt.timedelta(hours=1), label="Alte vorbereitete Dateien löschen")
def cleanup(job: Job) -> None:
    """Delete prepared files (and their jobs) finished more than `KEEP` ago, files without a job,
    and the rows of finished periodic jobs older than a week."""
    at = jobs.now()
    kinds = [p.kind for p in PRODUCTS.values()]
    old = db.session.scalars(sa.select(Job).where(Job.kind.in_(kinds), Job.state.in_([JobState.DONE, JobState.FAILED]),
                                                  Job.finished_at < at - KEEP)).all()
    for row in old:
        _delete(row)
    db.session.flush()
    known = set(db.session.scalars(sa.select(Job.result_path).where(Job.kind.in_(kinds))))
    root = folder()
    if root.is_dir():
        for path in root.glob("*/*"):
            relative = str(path.relative_to(current_app.instance_path))
            age = at.timestamp() - path.stat().st_mtime
            if relative not in known and age > 3600:  # a file being written is newer than an hour
                path.unlink(missing_ok=True)
    db.session.execute(sa.delete(Job).where(Job.kind.not_in(kinds), Job.id != job.id,
                                            Job.state.in_([JobState.DONE, JobState.FAILED]),
                                            Job.finished_at < at - dt.timedelta(days=7)))

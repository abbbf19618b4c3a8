"""The worker processes' plumbing: the heartbeat thread every worker runs, and the job worker's
loop (`flask jobs run`). Like a view, this module owns transactions: it commits after each step.

The job worker is its own process, separate from the mail worker (`flask mail send`), so mail
delivery never waits behind a 30-second workbook.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from flask import Flask

from .extensions import db
from .services import downloads, jobs, lifecycle, retention  # noqa: F401 -- modules that register job kinds

log = logging.getLogger(__name__)


class Outage:
    """A worker loop's patience while the database is away (a restart, a blip): roll back, wait
    2, 4 … at most 60 s between tries, log when it is reachable again. The queues are in the
    database, so nothing is lost meanwhile; uncommitted claims run out with their lease."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.count = 0

    def begin(self) -> None:
        db.session.rollback()
        db.session.remove()

    def wait(self, error: sa.exc.OperationalError) -> None:
        self.count += 1
        seconds = min(2 ** self.count, 60)
        log.warning("%s: database unavailable, retrying in %s s: %s", self.worker, seconds, error.orig)
        time.sleep(seconds)

    def end(self) -> None:
        if self.count:
            log.warning("%s: database reachable again", self.worker)
            self.count = 0


class Heartbeat:
    """A thread that writes this worker's heartbeat row every `WORKER_BEAT_SECONDS` and renews the
    lease of the job it is running, so a long job is never taken over while its worker lives and a
    killed worker's job is free again `jobs.LEASE` after its last beat.

    It runs in its own thread (own app context, own session) so a beat is written while the main
    thread renders for a minute or waits on a slow SMTP server.
    """

    def __init__(self, app: Flask, kind: str, name: str | None = None):
        self.app = app
        self.kind = kind
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.name = name or f"{kind}@{self.host}:{self.pid}"
        self.doing = "bereit"
        self.job_id: int | None = None
        self.interval = float(app.config["WORKER_BEAT_SECONDS"])
        self._stop = threading.Event()
        self._first = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{kind}", daemon=True)

    def working(self, doing: str, job_id: int | None = None) -> None:
        self.doing, self.job_id = doing, job_id

    def idle(self) -> None:
        self.doing, self.job_id = "bereit", None

    def beat_now(self) -> None:
        with self.app.app_context():
            try:
                jobs.beat(self.name, self.kind, self.host, self.pid, self.doing[:300])
                if self.job_id is not None:
                    jobs.renew_lease(self.job_id, self.name)
                db.session.commit()
            except sa.exc.SQLAlchemyError as error:
                db.session.rollback()
                log.warning("%s: heartbeat not written: %s", self.name, error)
            finally:
                db.session.remove()

    def _run(self) -> None:
        while True:
            self.beat_now()
            self._first.set()
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        self._first.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(10)


def run_job(job: Any, worker: str) -> bool:
    """Run one claimed job and record its outcome; True if it is done."""
    kind = jobs.KINDS.get(job.kind)
    error: str | None = None
    try:
        if kind is None:
            raise jobs.JobError(f"Unbekannte Aufgabe „{job.kind}“.")
        kind.run(job)
        db.session.flush()
    except jobs.JobError as failure:
        error = str(failure)
    except Exception as failure:  # any failure of a job is recorded on its row, the worker goes on
        log.exception("job %s (%s) failed", job.id, job.kind)
        error = f"Die Aufgabe ist mit einem unerwarteten Fehler abgebrochen ({type(failure).__name__})."
    if error is not None:
        db.session.rollback()
        job = db.session.get(jobs.Job, job.id, populate_existing=True)
    done = jobs.finish(job, worker, error)
    db.session.commit()
    return done and error is None


def work_once(worker: str, kinds: Collection[str] | None = None, beat: Heartbeat | None = None) -> int:
    """Schedule due periodic jobs, then run every due job; returns how many ran."""
    jobs.schedule_periodic(kinds)
    jobs.give_up_abandoned()
    db.session.commit()
    count = 0
    while (job := jobs.claim(worker, kinds)) is not None:
        db.session.commit()  # the claim (attempt, lease) is recorded before the work starts
        if beat:
            beat.working(f"{job.kind} #{job.id}", job.id)
        log.info("job %s (%s) started", job.id, job.kind)
        run_job(job, worker)
        if beat:
            beat.idle()
        count += 1
        db.session.remove()
    return count


def run_worker(app: Flask, watch: bool, interval: float, kinds: Collection[str] | None = None) -> int:
    """The job worker: with `watch`, loop until stopped (surviving database outages)."""
    total = 0
    with Heartbeat(app, "jobs") as beat:
        outage = Outage("job worker")
        while True:
            try:
                ran = work_once(beat.name, kinds, beat)
            except sa.exc.OperationalError as error:
                outage.begin()
                if not watch:
                    raise
                outage.wait(error)
                continue
            outage.end()
            total += ran
            db.session.remove()
            if not watch:
                return total
            if not ran:
                time.sleep(interval)

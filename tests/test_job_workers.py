"""Real job-worker processes (`flask jobs run`): a worker killed with kill -9 in the middle of a job
leaves it to the next worker, which does it once; two workers at the same time never run one job
twice (on SQLite and on PostgreSQL, whichever DATABASE_URL the suite runs on)."""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from factories import invite, make_survey
from survey.extensions import db
from survey.models import Job, JobState, WorkerBeat
from survey.services import downloads, jobs
from survey.services.results.charts import (
    Viewer,
)
from survey.services.results.filters import (
    Filters,
)

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 120  # seconds any wait below may take at most


def _env(app) -> dict[str, str]:
    env = {**os.environ, "LUECKENLOS_INSTANCE": app.instance_path, "SECRET_KEY": "test-only-secret",
           "LINK_KEYS": app.config["LINK_KEYS"], "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "WORKER_BEAT_SECONDS": "1",
           "PYTHONUNBUFFERED": "1"}
    env.pop("LUECKENLOS_DEMO", None)
    env.pop("MAIL_SERVER", None)
    return env


def _worker(app, *args: str, quiet: bool = False) -> subprocess.Popen:
    output = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi.py", "jobs", "run", *args], cwd=ROOT,
                            env=_env(app), stdout=output, stderr=output, text=True)


def _enqueue(app, planner_id: int, filters: list[Filters], what: str = "arbeitsmappe") -> list[int]:
    with app.app_context():
        survey = make_survey(planner_id, title="Netzwerke West")
        invite(survey, "kita@west.example")
        viewer = Viewer(planner=True, min_group=3)
        ids = [downloads.start(downloads.PRODUCTS[what], survey, f, viewer).id for f in filters]
        db.session.commit()
        return ids


def _job(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge(row)
        db.session.remove()
        return row


def _wait(condition, what: str):
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {LIMIT} s: {what}")


def test_a_job_whose_worker_was_killed_is_done_once_by_the_next_worker(app, planner):
    [job_id] = _enqueue(app, planner[0], [Filters()], "bericht")
    earlier = set(Path(app.instance_path).rglob("*"))  # other tests' prepared files share the folder
    first = _worker(app, "--watch", "--kind", "download.bericht", quiet=True)
    try:
        running = _wait(lambda: _job(app, job_id).state is JobState.RUNNING and _job(app, job_id), "job claimed")
        os.kill(first.pid, signal.SIGKILL)  # mid-job: the report is being rendered
        first.wait(LIMIT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    dead = _job(app, job_id)
    assert dead.state is JobState.RUNNING and dead.claimed_by == running.claimed_by and dead.attempts == 1
    assert not dead.result_path
    with app.app_context():
        # The dead worker's lease runs out (2 minutes without heartbeat); move it rather than wait.
        db.session.execute(sa.update(Job).where(Job.id == job_id)
                           .values(lease_until=jobs.now() - dt.timedelta(seconds=1)))
        db.session.commit()
    second = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", "jobs", "run", "--kind",
                             "download.bericht"], cwd=ROOT, env=_env(app), capture_output=True, text=True,
                            timeout=LIMIT)
    assert second.returncode == 0, second.stderr
    assert "Aufgaben ausgeführt: 1" in second.stdout
    done = _job(app, job_id)
    assert done.state is JobState.DONE and done.attempts == 2 and done.claimed_by != dead.claimed_by
    path = Path(app.instance_path) / done.result_path
    assert path.read_bytes().startswith(b"%PDF")
    leftovers = [p.name for p in path.parent.iterdir() if p != path and p not in earlier]
    # at most the killed worker's half-written temporary file, never offered (the clean-up deletes it)
    assert all(name.startswith(".prepare-") for name in leftovers), leftovers
    with app.app_context():
        beats = db.session.scalars(sa.select(WorkerBeat.name).where(WorkerBeat.kind == "jobs")).all()
    assert running.claimed_by in beats and done.claimed_by in beats


def test_two_workers_at_once_never_run_one_job_twice(app, planner):
    filters = [Filters(districts=(f"x{i}",)) for i in range(16)]
    ids = _enqueue(app, planner[0], filters)
    workers = [_worker(app, "--kind", "download.arbeitsmappe") for _ in range(2)]
    outputs = []
    for process in workers:
        out, err = process.communicate(timeout=LIMIT * 3)
        assert process.returncode == 0, err
        outputs.append(err)
    started = collections.Counter(int(n) for err in outputs for n in re.findall(r"job (\d+) \(download", err))
    assert set(started) == set(ids) and set(started.values()) == {1}, started
    rows = [_job(app, i) for i in ids]
    assert all(r.state is JobState.DONE and r.attempts == 1 for r in rows)
    assert len({r.result_path for r in rows}) == len(ids)
    assert all((Path(app.instance_path) / r.result_path).is_file() for r in rows)

"""The job table: idempotent enqueue, claims, expired leases, retries, the scheduler, heartbeats
and what planners and monitoring see of them (dashboard notice, /healthz)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey import worker
from survey.extensions import db
from survey.models import Job, JobState, WorkerBeat
from survey.services import jobs

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
RUNS: list[int] = []


@pytest.fixture
def clock(monkeypatch):
    """The job table's clock, moved by hand."""
    state = {"now": T0}
    monkeypatch.setattr(jobs, "now", lambda: state["now"])

    def move(**delta):
        state["now"] += dt.timedelta(**delta)
        return state["now"]
    move.now = lambda: state["now"]
    return move


@pytest.fixture
def kinds(monkeypatch):
    """Two test kinds: one that records its runs, one that fails with a German message."""
    RUNS.clear()
    registry = dict(jobs.KINDS)
    monkeypatch.setattr(jobs, "KINDS", registry)

    @jobs.job_kind("test.record")
    def record(job):
        RUNS.append(job.id)

    @jobs.job_kind("test.fail")
    def fail(job):
        raise jobs.JobError("Die Datei konnte nicht geschrieben werden.")

    @jobs.job_kind("test.periodic", interval=dt.timedelta(hours=1))
    def periodic(job):
        RUNS.append(job.id)
    return registry


def test_same_kind_and_key_is_one_job(ctx, clock, kinds):
    first = jobs.enqueue("test.record", "a", {"x": 1})
    again = jobs.enqueue("test.record", "a", {"x": 2})
    other = jobs.enqueue("test.record", "b")
    db.session.commit()
    assert first.id == again.id != other.id
    assert again.args == {"x": 1}
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 2


def test_a_claimed_job_is_not_claimed_again_until_its_lease_runs_out(ctx, clock, kinds):
    job = jobs.enqueue("test.record", "a")
    db.session.commit()
    assert jobs.claim("w1").id == job.id
    db.session.commit()
    assert jobs.claim("w2") is None
    clock(seconds=jobs.LEASE.total_seconds() - 1)
    assert jobs.claim("w2") is None
    clock(seconds=2)  # w1 died: no heartbeat renewed the lease
    taken = jobs.claim("w2")
    assert taken.id == job.id and taken.claimed_by == "w2" and taken.attempts == 2
    db.session.commit()
    assert not jobs.finish(taken, "w1")  # the dead worker's late result does not count
    assert jobs.finish(taken, "w2")
    db.session.commit()
    assert db.session.get(Job, job.id).state is JobState.DONE


def test_a_renewed_lease_keeps_a_long_job_with_its_worker(ctx, clock, kinds):
    job = jobs.enqueue("test.record", "a")
    jobs.claim("w1")
    for _ in range(10):
        clock(seconds=60)
        assert jobs.renew_lease(job.id, "w1")
        assert jobs.claim("w2") is None


def test_a_job_not_due_yet_waits(ctx, clock, kinds):
    jobs.enqueue("test.record", "a", run_after=T0 + dt.timedelta(minutes=5))
    assert jobs.claim("w1") is None
    clock(minutes=5)
    assert jobs.claim("w1") is not None


def test_a_failing_job_is_retried_then_failed_with_its_german_message(ctx, clock, kinds):
    job = jobs.enqueue("test.fail", "a")
    db.session.commit()
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        claimed = jobs.claim("w1")
        assert claimed is not None, attempt
        db.session.commit()
        assert not worker.run_job(claimed, "w1")
        row = db.session.get(Job, job.id, populate_existing=True)
        assert row.error == "Die Datei konnte nicht geschrieben werden."
        assert jobs.claim("w1") is None  # not at once: after a pause
        clock(minutes=15)
    assert row.state is JobState.FAILED and row.attempts == jobs.MAX_ATTEMPTS


def test_a_job_whose_worker_died_every_time_is_given_up(ctx, clock, kinds):
    job = jobs.enqueue("test.record", "a")
    for _ in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim("w") is not None
        clock(minutes=3)
    assert jobs.claim("w") is None
    assert jobs.give_up_abandoned() == 1
    db.session.refresh(job)
    assert job.state is JobState.FAILED and "unterbrochen" in job.error


def test_a_failed_job_can_be_run_again(ctx, clock, kinds):
    job = jobs.enqueue("test.record", "a")
    job.state, job.error = JobState.FAILED, "kaputt"
    db.session.flush()
    jobs.requeue(job)
    assert job.state is JobState.QUEUED and job.error == "" and jobs.claim("w").id == job.id


def test_a_periodic_kind_gets_one_row_per_due_time_however_many_workers_schedule(app, clock, kinds):
    with app.app_context():
        for _ in range(3):  # three workers, or one worker's three passes in the same hour
            worker.work_once("w1", ["test.periodic"])
            worker.work_once("w2", ["test.periodic"])
        assert len(RUNS) == 1
        clock(minutes=59)
        worker.work_once("w1", ["test.periodic"])
        assert len(RUNS) == 1
        clock(minutes=1)
        worker.work_once("w2", ["test.periodic"])
        assert len(RUNS) == 2
        keys = db.session.scalars(sa.select(Job.key).where(Job.kind == "test.periodic").order_by(Job.id)).all()
        assert keys == ["2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"]
        db.session.remove()


def test_flask_jobs_run_runs_due_jobs_once(app, runner, kinds):
    with app.app_context():
        jobs.enqueue("test.record", "a")
        jobs.enqueue("test.fail", "b")
        db.session.commit()
    result = runner.invoke(args=["jobs", "run", "--kind", "test.record", "--kind", "test.fail"])
    assert result.exit_code == 0, result.output
    assert "Aufgaben ausgeführt: 2" in result.output
    assert len(RUNS) == 1
    with app.app_context():
        states = dict(db.session.execute(sa.select(Job.key, Job.state)).all())
        beats = db.session.scalars(sa.select(WorkerBeat.kind)).all()
    assert states == {"a": JobState.DONE, "b": JobState.QUEUED}  # b waits for its retry
    assert beats == ["jobs"]


def _beat(kind: str, at: dt.datetime, name: str | None = None) -> None:
    db.session.add(WorkerBeat(name=name or f"{kind}@host:1", kind=kind, host="host", pid=1, started_at=at, beat_at=at,
                              doing="bereit"))
    db.session.commit()


def test_dashboard_says_mail_is_not_sent_when_no_mail_worker_beats(app, planner_client):
    page = planner_client.get("/uebersicht").get_data(as_text=True)
    assert "Der E-Mail-Versand läuft nicht" in page and "noch nie gemeldet" in page
    with app.app_context():
        _beat("mail", jobs.now() - dt.timedelta(minutes=3))
    page = planner_client.get("/uebersicht").get_data(as_text=True)
    assert "Der E-Mail-Versand läuft nicht" in page and "zuletzt am" in page
    with app.app_context():
        _beat("mail", jobs.now() - dt.timedelta(seconds=30), name="mail@host:2")
    page = planner_client.get("/uebersicht").get_data(as_text=True)
    assert "Der E-Mail-Versand läuft nicht" not in page


def test_the_mail_worker_beats(app, runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = db.session.scalars(sa.select(WorkerBeat)).one()
        assert row.kind == "mail" and jobs.now() - row.beat_at < dt.timedelta(minutes=1)


def test_healthz_reports_workers_and_fails_only_when_asked(app, client):
    body = client.get("/healthz").get_json()
    assert body["workers"]["mail"]["beat_age_seconds"] is None and not body["workers"]["jobs"]["running"]
    assert client.get("/healthz").status_code == 200  # an app server is not pulled for a stopped worker
    assert client.get("/healthz?workers=1").status_code == 503
    with app.app_context():
        _beat("mail", jobs.now() - dt.timedelta(seconds=5))
        _beat("jobs", jobs.now() - dt.timedelta(seconds=5))
    response = client.get("/healthz?workers=1")
    assert response.status_code == 200
    assert 4 <= response.get_json()["workers"]["mail"]["beat_age_seconds"] < 60
    with app.app_context():
        db.session.execute(sa.update(WorkerBeat).where(WorkerBeat.kind == "jobs")
                           .values(beat_at=jobs.now() - dt.timedelta(minutes=5)))
        db.session.commit()
    assert client.get("/healthz?workers=1").status_code == 503

"""The job table: registering job kinds, enqueueing (idempotent), claiming (safe with several
workers), finishing, the scheduler of periodic kinds, and the workers' heartbeats.

A job kind is a function registered with `@job_kind("name")` in the module that owns the work
(`services/downloads.py` registers the prepared report and workbook and the clean-up of old files);
`KINDS` is the registry the worker (`survey/worker.py`) runs from. Like every service, these
functions add and flush; the worker and the views commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Job, JobState, WorkerBeat
from ..models.base import rowcount, utc_now

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)  # a running job's worker renews it with every heartbeat
MAX_ATTEMPTS = 3
STALE_AFTER = dt.timedelta(minutes=2)  # a worker without a beat for longer counts as not running
WORKER_KINDS = {"mail": "E-Mail-Versand", "jobs": "Hintergrundaufgaben (Berichte, Arbeitsmappen, Aufräumen)"}


def now() -> dt.datetime:
    """The clock of the job table (tests replace it with a fixed moment)."""
    return utc_now()


class JobError(Exception):
    """A job failed with a message a planner may read (German)."""


@dataclasses.dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[Job], None]  # does the work; may set job.result_path/result_size; raises on failure
    interval: dt.timedelta | None = None  # periodic: the worker enqueues it once per interval
    label: str = ""


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, interval: dt.timedelta | None = None, label: str = "") -> Callable:
    """Register the decorated function as the job kind `name` (periodic when `interval` is given)."""
    def register(function: Callable[[Job], None]) -> Callable[[Job], None]:
        KINDS[name] = JobKind(name, function, interval, label or name)
        return function
    return register


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Job)


def enqueue(kind: str, key: str, args: dict[str, Any] | None = None, *, kommune_id: int | None = None,
            run_after: dt.datetime | None = None) -> Job:
    """The job `kind` + `key`: a new queued one, or the existing row whatever its state
    (`INSERT … ON CONFLICT DO NOTHING`, so two requests or workers at once still make one row)."""
    if kind not in KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    at = now()
    statement = _insert().values(
        kind=kind, key=key, args=args or {}, kommune_id=kommune_id, state=JobState.QUEUED, attempts=0,
        claimed_by="", run_after=run_after or at, result_path="", error="", created_at=at,
    ).on_conflict_do_nothing(index_elements=["kind", "key"])
    db.session.execute(statement)
    return db.session.execute(sa.select(Job).where(Job.kind == kind, Job.key == key)
                              .execution_options(populate_existing=True)).scalar_one()


def requeue(job: Job) -> None:
    """Run a finished or failed job again (its file vanished, or the user asks to retry)."""
    db.session.execute(sa.update(Job).where(Job.id == job.id, Job.state.in_([JobState.DONE, JobState.FAILED]))
                       .values(state=JobState.QUEUED, attempts=0, error="", result_path="", result_size=None,
                               run_after=now(), claimed_by="", lease_until=None, finished_at=None))
    db.session.refresh(job)


def _claimable(at: dt.datetime) -> Any:
    return sa.and_(Job.attempts < MAX_ATTEMPTS, sa.or_(
        sa.and_(Job.state == JobState.QUEUED, Job.run_after <= at),
        sa.and_(Job.state == JobState.RUNNING, Job.lease_until < at)))  # its worker died


def claim(worker: str, kinds: Collection[str] | None = None) -> Job | None:
    """Take the next due job for `worker` (an expired lease counts as due), or None.

    One statement: `UPDATE job … WHERE id = (SELECT id … LIMIT 1 FOR UPDATE SKIP LOCKED) AND
    <still claimable> RETURNING id`. On PostgreSQL SKIP LOCKED lets several workers take different
    rows, and the repeated condition makes a worker that waited on a row lock see 0 rows instead
    of taking it too; on SQLite the UPDATE holds the database's write lock, so it is atomic there.
    """
    at = now()
    names = list(kinds if kinds is not None else KINDS)
    pick = (sa.select(Job.id).where(_claimable(at), Job.kind.in_(names))
            .order_by(Job.run_after, Job.id).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == pick, _claimable(at))
        .values(state=JobState.RUNNING, claimed_by=worker, lease_until=at + LEASE, attempts=Job.attempts + 1,
                started_at=at, error="")
        .returning(Job.id).execution_options(synchronize_session=False)).scalar()
    return db.session.get(Job, claimed, populate_existing=True) if claimed is not None else None


def give_up_abandoned() -> int:
    """Mark jobs failed whose worker died during each of their `MAX_ATTEMPTS` attempts."""
    result = db.session.execute(
        sa.update(Job).where(Job.state == JobState.RUNNING, Job.lease_until < now(), Job.attempts >= MAX_ATTEMPTS)
        .values(state=JobState.FAILED, finished_at=now(),
                error=f"Abgebrochen: die Verarbeitung wurde {MAX_ATTEMPTS}-mal unterbrochen.")
        .execution_options(synchronize_session=False))
    return rowcount(result)


def renew_lease(job_id: int, worker: str) -> bool:
    result = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.claimed_by == worker, Job.state == JobState.RUNNING)
        .values(lease_until=now() + LEASE).execution_options(synchronize_session=False))
    return bool(rowcount(result))


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 600))


def finish(job: Job, worker: str, error: str | None = None) -> bool:
    """Record the outcome of `worker`'s run of `job`: done, or failed with a German `error`
    (retried after a pause until `MAX_ATTEMPTS`). False if the job is no longer this worker's."""
    at = now()
    values: dict[str, Any]
    if error is None:
        values = {"state": JobState.DONE, "finished_at": at, "lease_until": None, "error": "",
                  "result_path": job.result_path, "result_size": job.result_size}
    elif job.attempts < MAX_ATTEMPTS:
        values = {"state": JobState.QUEUED, "run_after": at + _retry_delay(job.attempts), "lease_until": None,
                  "error": error}
    else:
        values = {"state": JobState.FAILED, "finished_at": at, "lease_until": None, "error": error}
    result = db.session.execute(
        sa.update(Job).where(Job.id == job.id, Job.claimed_by == worker, Job.state == JobState.RUNNING)
        .values(**values).execution_options(synchronize_session=False))
    return bool(rowcount(result))


def due_slot(interval: dt.timedelta, at: dt.datetime) -> dt.datetime:
    """The start of the interval `at` falls in (counted from the Unix epoch, UTC)."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return epoch + interval * ((at - epoch) // interval)


def schedule_periodic(kinds: Collection[str] | None = None) -> list[Job]:
    """Enqueue each periodic kind (of `kinds`, default all) for its current due time: key = that
    time, so however many workers do this, each due time is one row."""
    at = now()
    return [enqueue(kind.name, due_slot(kind.interval, at).strftime("%Y-%m-%dT%H:%M:%SZ"))
            for kind in KINDS.values() if kind.interval is not None and (kinds is None or kind.name in kinds)]


# -- heartbeats ---------------------------------------------------------------------------------


def beat(name: str, kind: str, host: str, pid: int, doing: str) -> None:
    """Record that worker `name` is alive and what it is doing."""
    at = now()
    row = db.session.execute(sa.select(WorkerBeat).where(WorkerBeat.name == name)).scalar_one_or_none()
    if row is None:
        db.session.add(WorkerBeat(name=name, kind=kind, host=host, pid=pid, started_at=at, beat_at=at, doing=doing))
    else:
        row.beat_at, row.doing = at, doing
    # Rows of workers gone for a day are history nobody needs.
    db.session.execute(sa.delete(WorkerBeat).where(WorkerBeat.beat_at < at - dt.timedelta(days=1)))
    db.session.flush()


@dataclasses.dataclass(frozen=True)
class WorkerStatus:
    kind: str
    label: str
    last_beat: dt.datetime | None  # the youngest beat of any worker of this kind
    doing: str
    workers: int  # how many workers of this kind beat within STALE_AFTER

    @property
    def running(self) -> bool:
        return self.workers > 0

    def age(self, at: dt.datetime) -> float | None:
        return None if self.last_beat is None else round((at - self.last_beat).total_seconds(), 1)


def worker_status() -> dict[str, WorkerStatus]:
    """Per worker kind: the latest beat and how many workers are alive."""
    at = now()
    rows = db.session.execute(sa.select(WorkerBeat).order_by(WorkerBeat.beat_at.desc())).scalars().all()
    status = {}
    for kind, label in WORKER_KINDS.items():
        mine = [r for r in rows if r.kind == kind]
        alive = [r for r in mine if at - r.beat_at <= STALE_AFTER]
        status[kind] = WorkerStatus(kind, label, mine[0].beat_at if mine else None,
                                    mine[0].doing if mine else "", len(alive))
    return status

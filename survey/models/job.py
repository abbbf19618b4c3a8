"""Background jobs and worker heartbeats: the job table the job worker claims from, and one
heartbeat row per running worker process (mail worker, job worker)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utc_now, value_enum


class JobState(enum.Enum):
    QUEUED = "queued"  # waiting for a worker (also: waiting for a retry after a failed attempt)
    RUNNING = "running"  # claimed by a worker until `lease_until`; an expired lease is claimed again
    DONE = "done"
    FAILED = "failed"  # out of attempts; `error` says why in German

    @property
    def label(self) -> str:
        return {"queued": "Wartet", "running": "Läuft", "done": "Fertig", "failed": "Fehlgeschlagen"}[self.value]


class Job(Model):
    """One unit of background work. `(kind, key)` is unique: enqueueing the same work again finds
    the existing row (a prepared download, a periodic job's due time) instead of adding one."""

    __table_args__ = (
        sa.UniqueConstraint("kind", "key", name="uq_job_kind_key"),
        sa.Index("ix_job_due", "state", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The Kommune whose data the job touches (None for system jobs): a job's file is served only to it.
    kommune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kommune.id", ondelete="CASCADE"), index=True)
    state: Mapped[JobState] = mapped_column(value_enum(JobState), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str] = mapped_column(sa.String(200), default="")
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    result_path: Mapped[str] = mapped_column(sa.String(500), default="")
    result_size: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WorkerBeat(Model):
    """The last sign of life of one worker process (`name` = kind@host:pid)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)  # "mail", "jobs"
    host: Mapped[str] = mapped_column(sa.String(200))
    pid: Mapped[int] = mapped_column()
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    doing: Mapped[str] = mapped_column(sa.String(300), default="")

"""The audit log: one append-only row per staff action (who, when, what, before/after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, table_of, utc_now


class AuditEntry(Model):
    """Who did what, when, in which Kommune, to which object, in a short German sentence.

    Written by the services in the transaction of the change (`survey.services.audit.record`).
    Never holds answers, tokens or links. `before`/`after` hold the changed settings or texts.
    `actor_id` and `survey_id` are plain numbers, not foreign keys: an entry outlives the account
    and the survey it names. Rows are never updated (a trigger refuses it in both databases) and
    no service deletes them.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_kommune_at", "kommune_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id"))
    actor_id: Mapped[int | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(sa.String(300))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[int | None] = mapped_column()
    survey_id: Mapped[int | None] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(sa.String(1000))
    before: Mapped[Any | None] = mapped_column(sa.JSON)
    after: Mapped[Any | None] = mapped_column(sa.JSON)


# Append-only in the database itself, for every writer (also a psql session or a future script).
NO_UPDATE_SQLITE = sa.DDL(
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
)
NO_UPDATE_POSTGRES_FUNCTION = sa.DDL(
    "CREATE OR REPLACE FUNCTION audit_entry_refuse_update() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END; $$ LANGUAGE plpgsql"
)
NO_UPDATE_POSTGRES_TRIGGER = sa.DDL(
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_update()"
)
sa.event.listen(table_of(AuditEntry), "after_create", NO_UPDATE_SQLITE.execute_if(dialect="sqlite"))
sa.event.listen(table_of(AuditEntry), "after_create", NO_UPDATE_POSTGRES_FUNCTION.execute_if(dialect="postgresql"))
sa.event.listen(table_of(AuditEntry), "after_create", NO_UPDATE_POSTGRES_TRIGGER.execute_if(dialect="postgresql"))

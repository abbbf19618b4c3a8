"""The audit log: who acts, recording an action, reading the log, and the guard that no staff change
goes unrecorded.

Services call `record()` in the transaction of the change they make; the acting person comes from
`acting()` (set per request for signed-in staff, by the CLI and the worker with `acting_as`), so
service signatures don't carry a user. Descriptions are short German sentences naming the object
(survey title, organisation, account), never an answer, a token or a link.

The guard (`install_guard`): a transaction committed while a signed-in staff member acts must
contain an audit entry if it changed anything other than bookkeeping tables. In tests and with
`AUDIT_STRICT` it raises `UnrecordedChange`; in production it logs an error. Entries themselves are
never changed or deleted through the ORM (and a trigger refuses UPDATE in the database).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import AuditEntry, User

log = logging.getLogger(__name__)

STAFF = "staff"
SYSTEM = "system"
CLI = "cli"
RESPONDENT = "respondent"

# Tables a staff request may change without an entry of its own: sign-in bookkeeping, throttles, the
# worker's heartbeat and the send-rate counter. Everything else a staff member changes is recorded.
BOOKKEEPING = frozenset({"throttle", "mail_rate", "worker_beat"})

# Action keys and their German names (the filter of the log pages); services use these keys.
ACTIONS: dict[str, str] = {
    "account.signed_in": "Angemeldet",
    "account.signed_out": "Abgemeldet",
    "account.password": "Passwort geändert",
    "account.created": "Konto angelegt",
    "account.changed": "Konto geändert",
    "kommune.settings": "Einstellungen der Kommune geändert",
    "kommune.district": "Stadtteile geändert",
    "survey.created": "Umfrage angelegt",
    "survey.built": "Fragebogen bearbeitet",
    "survey.settings": "Einstellungen der Umfrage geändert",
    "survey.opened": "Umfrage gestartet",
    "survey.closed": "Umfrage beendet",
    "survey.reopened": "Umfrage wieder geöffnet",
    "survey.mail_text": "Mailtext geändert",
    "invitation.sent": "Eingeladen",
    "invitation.changed": "Einladung geändert",
    "invitation.reminded": "Erinnert",
    "actor.changed": "Akteursregister geändert",
    "actor.merged": "Akteure zusammengeführt",
    "actor.imported": "Akteure importiert",
    "results.downloaded": "Heruntergeladen",
    "answers.viewed": "Antworten angesehen",
    "answers.changed": "Antworten geändert",
    "answers.on_behalf": "Antworten im Auftrag erfasst",
    "answers.on_behalf_submitted": "Antworten im Auftrag abgeschickt",
    "subject.request": "Auskunft/Löschung zu einer Person",
    "mailbox.changed": "Postfach bearbeitet",
    "wave.created": "Folgebefragung angelegt",
}


class UnrecordedChange(RuntimeError):
    """A staff transaction changed data without an audit entry (raised in tests and strict mode)."""


class AppendOnly(RuntimeError):
    """Somebody tried to change or delete an audit entry."""


@dataclass(frozen=True)
class Acting:
    kind: str
    label: str
    user_id: int | None = None
    kommune_id: int | None = None


_acting: ContextVar[Acting | None] = ContextVar("audit_acting", default=None)
NOBODY = Acting(RESPONDENT, "Befragte Person (persönlicher Link)")


def acting() -> Acting:
    return _acting.get() or NOBODY


def staff(user: User) -> Acting:
    return Acting(STAFF, f"{user.display_name} ({user.email})", user.id, user.kommune_id)


@contextlib.contextmanager
def acting_as(who: Acting) -> Iterator[Acting]:
    """Everything recorded inside is recorded as `who` (CLI commands, worker jobs, tests)."""
    token = _acting.set(who)
    try:
        yield who
    finally:
        _acting.reset(token)


def set_acting(who: Acting | None) -> None:
    """Set for the rest of this context (a request: the signed-in staff member)."""
    _acting.set(who)


def record(
    kommune_id: int,
    action: str,
    description: str,
    *,
    obj: Any = None,
    survey_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Add one entry for an action done now by `acting()`; flushed with the change, never committed here."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = acting()
    entry = AuditEntry(
        kommune_id=kommune_id,
        actor_id=who.user_id,
        actor_label=who.label[:300],
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None) if obj is not None else None,
        survey_id=survey_id,
        description=description[:1000],
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries of two setting snapshots that differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# ---- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    actor_id: int | None = None
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def _berlin_start(day: dt.date) -> dt.datetime:
    from questionnaires.formatting import BERLIN

    return dt.datetime.combine(day, dt.time(), tzinfo=BERLIN).astimezone(dt.UTC)


def entries_query(
    kommune_id: int, survey_id: int | None = None, flt: LogFilter | None = None
) -> sa.Select[tuple[AuditEntry]]:
    """The Kommune's entries (of one survey when given), newest first, filtered."""
    flt = flt or LogFilter()
    query = sa.select(AuditEntry).where(AuditEntry.kommune_id == kommune_id)
    if survey_id is not None:
        query = query.where(AuditEntry.survey_id == survey_id)
    if flt.actor_id is not None:
        query = query.where(AuditEntry.actor_id == flt.actor_id)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.since:
        query = query.where(AuditEntry.at >= _berlin_start(flt.since))
    if flt.until:
        query = query.where(AuditEntry.at < _berlin_start(flt.until + dt.timedelta(days=1)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def entries(kommune_id: int, survey_id: int | None = None, flt: LogFilter | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    query = entries_query(kommune_id, survey_id, flt)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def actors_in_log(kommune_id: int) -> list[tuple[int, str]]:
    """(user id, label) of every staff member with an entry, for the person filter."""
    rows = db.session.execute(
        sa.select(AuditEntry.actor_id, sa.func.max(AuditEntry.actor_label))
        .where(AuditEntry.kommune_id == kommune_id, AuditEntry.actor_id.is_not(None))
        .group_by(AuditEntry.actor_id)
    )
    return sorted(((int(i), str(label)) for i, label in rows), key=lambda row: row[1].lower())


# ---- the guard -------------------------------------------------------------------------------


def _strict() -> bool:
    return has_app_context() and bool(current_app.config.get("AUDIT_STRICT"))


def _touch(session: Session, table: str) -> None:
    session.info.setdefault("audit_touched", set()).add(table)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, AuditEntry):
            session.info["audit_written"] = True
        else:
            _touch(session, obj.__table__.name)
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AppendOnly("audit entries are never deleted")
        _touch(session, obj.__table__.name)
    for obj in session.dirty:
        if not session.is_modified(obj):
            continue
        if isinstance(obj, AuditEntry):
            raise AppendOnly("audit entries are never changed")
        _touch(session, obj.__table__.name)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "audit_entry" and not state.is_insert:
        if has_app_context() and current_app.testing and acting().kind != STAFF:
            return  # the test fixture empties every table between tests
        raise AppendOnly("audit entries are never changed or deleted")
    if name == "audit_entry":
        state.session.info["audit_written"] = True
    elif name:
        _touch(state.session, name)


def _before_commit(session: Session) -> None:
    _before_flush(session, None, None)  # commit flushes after this hook: look at what is pending too
    touched = session.info.get("audit_touched", set()) - BOOKKEEPING
    who = acting()
    if who.kind != STAFF or not touched or session.info.get("audit_written"):
        return
    from flask import has_request_context, request

    endpoint = request.endpoint if has_request_context() else None
    message = f"staff change without an audit entry: {sorted(touched)} ({endpoint})"
    if has_app_context() and current_app.config.get("AUDIT_COLLECT"):
        with open(current_app.config["AUDIT_COLLECT"], "a", encoding="utf-8") as out:
            out.write(f"{endpoint}\t{sorted(touched)}\n")
    if _strict():
        raise UnrecordedChange(message)
    log.error(message)


def _reset(session: Session, *_args: Any) -> None:
    session.info.pop("audit_touched", None)
    session.info.pop("audit_written", None)


_installed = False


def install_guard(app: Flask) -> None:
    """Listen on every Session (once per process) and set the acting staff member per request."""
    global _installed
    if not _installed:
        sa.event.listen(Session, "before_flush", _before_flush)
        sa.event.listen(Session, "do_orm_execute", _on_execute)
        sa.event.listen(Session, "before_commit", _before_commit)
        sa.event.listen(Session, "after_commit", _reset)
        sa.event.listen(Session, "after_rollback", _reset)
        _installed = True

    @app.before_request
    def _who_acts() -> None:
        from flask_login import current_user

        set_acting(staff(current_user) if current_user.is_authenticated else None)

    @app.teardown_request
    def _nobody_acts(_error: BaseException | None) -> None:
        set_acting(None)  # a thread serving the next request (or a test) starts as nobody

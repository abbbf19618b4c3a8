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
import enum
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import AuditEntry, User, utc_now

log = logging.getLogger(__name__)

STAFF = "staff"
SYSTEM = "system"
RESPONDENT = "respondent"

# Tables a staff request may change without an entry of its own: sign-in bookkeeping, throttles, the
# worker's heartbeat and the send-rate counter. Everything else a staff member changes is recorded.
BOOKKEEPING = frozenset({"throttle", "mail_rate", "worker_beat", "job"})
# Columns whose change alone is bookkeeping: the edit-conflict counter a save bumps even when
# nothing else changed. (Preparing a download is a job; the download itself is recorded.)
BOOKKEEPING_COLUMNS = frozenset({"edit_version"})

# Action keys and their German names (the filter of the log pages); services use these keys.
ACTIONS: dict[str, str] = {
    "account.signed_in": "Angemeldet",
    "account.signed_out": "Abgemeldet",
    "account.password": "Passwort geändert",
    "account.created": "Konto angelegt",
    "account.changed": "Konto geändert",
    "kommune.settings": "Einstellungen der Kommune geändert",
    "kommune.district": "Stadtteile geändert",
    "survey.created": "Befragung angelegt",
    "survey.built": "Fragebogen bearbeitet",
    "survey.condition": "Bedingung einer Frage geändert",
    "survey.corrected": "Frage nach dem Start sprachlich korrigiert",
    "survey.options": "Antworten einer Frage angepasst",
    "survey.settings": "Einstellungen der Befragung geändert",
    "survey.opened": "Befragung gestartet",
    "survey.closed": "Befragung beendet",
    "survey.reopened": "Befragung wieder geöffnet",
    "survey.archived": "Befragung archiviert",
    "survey.unarchived": "Befragung aus dem Archiv zurückgeholt",
    "survey.deleted": "Befragung gelöscht",
    "survey.mail_text": "Mailtext geändert",
    "invitation.sent": "Eingeladen",
    "invitation.changed": "Einladung geändert",
    "invitation.reminded": "Erinnert",
    "invitation.delegated": "Einladung weitergegeben",
    "invitation.addressee": "Empfänger einer Einladung geändert",
    "actor.changed": "Akteursregister geändert",
    "actor.merged": "Akteure zusammengeführt",
    "actor.imported": "Akteure importiert",
    "partner.assigned": "Partnername zugeordnet",
    "partner.rejected": "Partnervorschläge abgelehnt",
    "partner.undone": "Partnerzuordnung aufgehoben",
    "results.downloaded": "Heruntergeladen",
    "answers.changed": "Antworten geändert",
    "answers.on_behalf": "Antworten im Auftrag erfasst",
    "answers.on_behalf_submitted": "Antworten im Auftrag abgeschickt",
    "subject.request": "Auskunft/Löschung zu einer Person",
    "test_run.started": "Probelauf gestartet",
    "test_run.discarded": "Probelauf verworfen",
    "coding.category": "Kategorie der Freitext-Kodierung geändert",
    "coding.assigned": "Freitexte Kategorien zugeordnet",
    "coding.suggestion": "Kodiervorschlag angenommen oder abgelehnt",
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


_acting: ContextVar[Acting | None] = ContextVar("audit_acting", default=None)
RESPONDING = Acting(RESPONDENT, "Befragte Person (persönlicher Link)")
SYSTEM_ACTING = Acting(SYSTEM, "System (Hintergrunddienst oder Kommandozeile)")


def acting() -> Acting:
    """Who acts now: the signed-in staff member of this request, else a respondent (a request without
    sign-in), else the system (worker jobs, CLI commands)."""
    return _acting.get() or (RESPONDING if has_request_context() else SYSTEM_ACTING)


def staff(user: User) -> Acting:
    return Acting(STAFF, f"{user.display_name} ({user.email})", user.id)


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
    entry = AuditEntry(**_values(kommune_id, action, description, obj, survey_id, before, after))
    db.session.add(entry)
    return entry


def record_apart(kommune_id: int, action: str, description: str, *, survey_id: int | None = None,
                 after: Any = None) -> None:
    """Write one entry at once in a transaction of its own, leaving the request's session alone (a
    download that is still streaming from it must not see its objects expired by a commit)."""
    values = _values(kommune_id, action, description, None, survey_id, None, after)
    with db.engine.begin() as connection:
        connection.execute(sa.insert(AuditEntry).values(at=utc_now(), **values))


def _values(kommune_id: int, action: str, description: str, obj: Any, survey_id: int | None, before: Any,
            after: Any) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = acting()
    return {
        "kommune_id": kommune_id,
        "actor_id": who.user_id,
        "actor_label": who.label[:300],
        "action": action,
        "object_type": type(obj).__name__.lower() if obj is not None else "",
        "object_id": getattr(obj, "id", None) if obj is not None else None,
        "survey_id": survey_id,
        "description": description[:1000],
        "before": before,
        "after": after,
    }


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries of two setting snapshots that differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def plain(value: Any) -> Any:
    """A value as JSON can hold it (dates as ISO text, enums by value, tuples as lists)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


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
) -> sa.Select[AuditEntry]:
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
    return sorted(((int(i or 0), str(label)) for i, label in rows), key=lambda row: row[1].lower())


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
        state = sa.inspect(obj)
        changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
        if changed - BOOKKEEPING_COLUMNS:
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
    endpoint = request.endpoint if has_request_context() else None
    message = f"staff change without an audit entry: {sorted(touched)} ({endpoint})"
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


# ---- export ----------------------------------------------------------------------------------

EXPORT_HEADER = ("Zeitpunkt", "Person", "Aktion", "Objekt", "Objekt-Nr.", "Befragungs-Nr.", "Beschreibung",
                 "Vorher", "Nachher")


def export_rows(kommune_id: int, survey_id: int | None = None,
                flt: LogFilter | None = None) -> Iterator[tuple[Any, ...]]:
    """The header, then one row per entry (newest first), for `analysis.csvdialect.stream_rows`."""
    import json

    yield EXPORT_HEADER
    for entry in db.session.scalars(entries_query(kommune_id, survey_id, flt).execution_options(yield_per=500)):
        yield (
            entry.at, entry.actor_label, ACTIONS.get(entry.action, entry.action), entry.object_type,
            entry.object_id, entry.survey_id, entry.description,
            json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
            json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
        )

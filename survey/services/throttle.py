"""Slowing down guessing: growing waits after failed sign-ins, per account and per client.

There is no hard lockout (anyone could lock a planner out before a deadline by typing wrong
passwords): after a few free failures each further one makes the next attempt wait longer, up to
`CAP`. The counters live in the database (`Throttle`), so every gunicorn worker and app server
on one database shares them; keys are stored as SHA-256, never the address itself. A quiet
`DECAY` forgets a counter. The caller passes `now` (tests give their own clock) and commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import Throttle, utc_now

CAP = dt.timedelta(minutes=15)
FIRST_WAIT = dt.timedelta(seconds=30)
DECAY = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Rule:
    scope: str
    free: int  # failures that cost no wait


LOGIN_ACCOUNT = Rule("login-account", free=5)
# One office behind one address shares this counter, so it is more generous than per account.
LOGIN_CLIENT = Rule("login-client", free=30)
RESET_CLIENT = Rule("reset-client", free=10)
# Feedback from the public accessibility statement: every message counts, so a script cannot flood the Kommune.
FEEDBACK_CLIENT = Rule("feedback-client", free=10)


def wait_after(failures: int, rule: Rule) -> dt.timedelta:
    """How long the next attempt must wait after `failures` failures: 0, then 30 s, 1, 2, 4 … min ≤ CAP."""
    if failures <= rule.free:
        return dt.timedelta(0)
    doublings = min(failures - rule.free - 1, 16)  # 30 s · 2**16 is far beyond CAP already
    return min(FIRST_WAIT * 2 ** doublings, CAP)


def _hash(key: str) -> str:
    return hashlib.sha256((key or "").strip().lower().encode()).hexdigest()


def blocked_until(rule: Rule, key: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the next attempt for this key is heard again, or None if it is heard now."""
    now = now or utc_now()
    until = db.session.scalar(
        sa.select(Throttle.blocked_until).where(Throttle.scope == rule.scope, Throttle.key_hash == _hash(key)))
    return until if until is not None and until > now else None


def first_block(checks: list[tuple[Rule, str]], now: dt.datetime | None = None) -> dt.datetime | None:
    """The latest time any of these (rule, key) counters blocks until, or None."""
    times = [t for rule, key in checks if (t := blocked_until(rule, key, now)) is not None]
    return max(times) if times else None


def record_failure(rule: Rule, key: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Count one failure (atomically, also between app servers); returns the new block, if any."""
    now = now or utc_now()
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = Throttle.__table__
    insert = dialect.insert(table).values(scope=rule.scope, key_hash=_hash(key), failures=1, last_at=now)
    counted = insert.on_conflict_do_update(
        index_elements=["scope", "key_hash"],
        set_={
            # A counter quiet for DECAY starts again at one.
            "failures": sa.case((table.c.last_at < now - DECAY, 1), else_=table.c.failures + 1),
            "last_at": now,
        },
    ).returning(table.c.id, table.c.failures)
    row_id, failures = db.session.execute(counted).one()
    wait = wait_after(failures, rule)
    until = now + wait if wait else None
    db.session.execute(sa.update(table).where(table.c.id == row_id).values(blocked_until=until))
    db.session.execute(sa.delete(table).where(table.c.last_at < now - 2 * DECAY))
    return until


def forget(rule: Rule, key: str) -> None:
    """A success ends the counter (used for the account after a correct password)."""
    db.session.execute(sa.delete(Throttle).where(Throttle.scope == rule.scope, Throttle.key_hash == _hash(key)))


def wait_message(until: dt.datetime, now: dt.datetime | None = None, *,
                 lead: str = "Zu viele fehlgeschlagene Anmeldeversuche; zum Schutz des Kontos wird gebremst.") -> str:
    """The German sentence telling when the next attempt is heard again."""
    minutes = round(max((until - (now or utc_now())).total_seconds(), 0) / 60)
    span = "in weniger als einer Minute" if minutes < 1 else (
        "in etwa einer Minute" if minutes == 1 else f"in etwa {minutes} Minuten")
    return f"{lead} Der nächste Versuch ist ab {fmt.time(until)} Uhr möglich ({span})."

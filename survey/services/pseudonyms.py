"""Stable random pseudonyms of organisations for analysts, one per organisation and series.

An analyst never sees an organisation's name: the results dataset built for analysts
(`results.dataset.build_dataset(contacts=False)`) and their row downloads carry a code like "E-K7QM4P"
instead. The code is drawn at random (`secrets`) the first time the organisation appears in any
wave of a series and stored (`models.Pseudonym`), so the same organisation has the same code in
every wave and every download, and nothing about the name can be read from it.

Codes are assigned while reading (a results page or download is a GET, and the job worker builds
the same datasets), so `ensure` writes them on a connection of its own and commits there at once:
an idempotent insert of missing rows (`ON CONFLICT DO NOTHING`, so two requests at the same moment
agree on one code), independent of the request's session, which stays read-only. This is the one
place outside views and the CLI that commits, and it commits nothing but pseudonym rows.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Invitation, Pseudonym, Survey, utc_now
from ..models.base import table_of

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and copied by hand
LENGTH = 6
PREFIX = "E-"


def series_id(survey: Survey) -> int:
    """The first survey of `survey`'s series (follow `previous_id` to its end)."""
    seen = {survey.id}
    current = survey
    while current.previous_id is not None and current.previous_id not in seen:
        previous = db.session.get(Survey, current.previous_id)
        if previous is None:
            break
        seen.add(previous.id)
        current = previous
    return current.id


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def actor_subject(actor_code: str) -> str:
    return actor_code  # "a<id>": the register actor


def address_subject(email: str) -> str:
    return "m" + _digest(email.strip().lower())


def invitation_subject(invitation_id: int) -> str:
    """An invitation whose address was deleted (retention) and that has no register actor: from
    then on it is its own subject, so organisations without address never share one code."""
    return f"i{invitation_id}"


def forget_addresses(survey: Survey) -> int:
    """Drop the address subjects of `survey`'s series that no invitation of the series carries any
    more (after retention deleted them): a digest of an address is contact data too."""
    series = series_id(survey)
    members = {s.id for s in db.session.scalars(sa.select(Survey).where(Survey.kommune_id == survey.kommune_id))
               if series_id(s) == series}
    kept = {address_subject(email) for email in db.session.scalars(
        sa.select(Invitation.email).where(Invitation.survey_id.in_(members), Invitation.email != ""))}
    stale = [row for row in db.session.scalars(sa.select(Pseudonym).where(
        Pseudonym.series_id == series, Pseudonym.subject.like("m%"))) if row.subject not in kept]
    for row in stale:
        db.session.delete(row)
    return len(stale)


def name_subject(normalised_name: str) -> str:
    return "n" + _digest(normalised_name)


def new_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _insert(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table_of(Pseudonym))


def ensure(survey: Survey, subjects: Iterable[str]) -> Mapping[str, str]:
    """subject → code for every subject, drawing and storing codes for those that have none yet."""
    wanted = set(subjects)
    series = series_id(survey)
    table = table_of(Pseudonym)
    with db.engine.begin() as connection:
        select = sa.select(table.c.subject, table.c.code).where(table.c.series_id == series)
        known = dict(connection.execute(select).all())
        missing = sorted(wanted - known.keys())
        for _attempt in range(5):
            if not missing:
                break
            used = set(known.values())
            rows = []
            for subject in missing:
                code = new_code()
                while code in used:
                    code = new_code()
                used.add(code)
                rows.append({"series_id": series, "subject": subject, "code": code,
                             "created_at": utc_now()})
            statement = _insert(connection.dialect.name).values(rows).on_conflict_do_nothing()
            connection.execute(statement)
            known = dict(connection.execute(select).all())
            missing = sorted(wanted - known.keys())  # a code drawn twice by two requests: draw again
    return {s: known[s] for s in wanted if s in known}

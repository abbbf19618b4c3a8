"""Answers a planner enters on behalf of an organisation (a paper form, a phone call): beginning, the
mark on the response (who, when, source), its audit entries, and the mark as a German sentence.

The planner answers through the respondent's own pages and services (`views/behalf.py` serves them
under a planner URL). For such a request the view sets `entering_as(Entering(...))`; the response
services call `noted` whenever they write the draft and `submitted` on submit, so every change made
through that door marks the response and is recorded in the audit log, once per transaction. Outside
that context (the respondent's own link) both do nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa

from analysis.keys import ON_BEHALF_SOURCES
from questionnaires import formatting as fmt

from ..extensions import db
from ..models import Invitation, OutboxMessage, Response, User, utc_now
from . import audit
from .invitations import organisation_of

SOURCES = ON_BEHALF_SOURCES  # key → German name ("Papierfragebogen", "Telefon", "E-Mail/Sonstiges")


@dataclass(frozen=True)
class Entering:
    """A planner entering answers for one invitation in this request."""

    invitation_id: int
    user_id: int
    name: str
    confirmation: bool = False  # on submit: send the organisation the confirmation mail


_entering: ContextVar[Entering | None] = ContextVar("behalf_entering", default=None)
_NOTED = "behalf_noted"  # session.info: (transaction, response id) already recorded


def entering() -> Entering | None:
    return _entering.get()


@contextlib.contextmanager
def entering_as(who: Entering) -> Iterator[Entering]:
    token = _entering.set(who)
    try:
        yield who
    finally:
        _entering.reset(token)


def for_user(invitation: Invitation, user: User, confirmation: bool = False) -> Entering:
    return Entering(invitation.id, user.id, user.display_name, confirmation)


def confirmation_wanted() -> bool:
    """Does a submission now send the confirmation mail? Always for the respondent; for a planner only
    when they ticked "Bestätigung an die Organisation senden"."""
    who = entering()
    return who is None or who.confirmation


def _mark(response: Response, who: Entering, source: str, now: dt.datetime) -> None:
    response.entered_source = source
    response.entered_by_id = who.user_id
    response.entered_by_name = who.name[:200]
    response.entered_at = now


def begin(response: Response, who: Entering, source: str, now: dt.datetime | None = None) -> None:
    """The planner starts (or goes on) entering the invitation's answers, from `source`.

    Answers the respondent saved stay in the draft; the planner completes them."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    invitation = response.invitation
    had_answers = any(not name.startswith("_") for name in response.draft or {})
    _mark(response, who, source, now or utc_now())
    audit.record(
        invitation.survey.kommune_id, "answers.on_behalf",
        f"Erfassung der Antworten von {organisation_of(invitation)} im Auftrag begonnen ({SOURCES[source]})"
        + (", mit den bereits gespeicherten Antworten der Organisation" if had_answers else ""),
        obj=response, survey_id=invitation.survey_id, after={"quelle": SOURCES[source]},
    )
    _remember(response)
    db.session.flush()


def _remember(response: Response) -> bool:
    """True the first time in this transaction that `response` is noted."""
    transaction = db.session().get_transaction()  # the scoped session's Session
    seen = db.session.info.get(_NOTED)
    if seen is not None and seen[0] is transaction and seen[1] == response.id:
        return False
    db.session.info[_NOTED] = (transaction, response.id)
    return True


def noted(response: Response, now: dt.datetime | None = None) -> None:
    """The draft was written: inside a planner's entering, mark the response and record it (once per
    transaction)."""
    who = entering()
    if who is None or who.invitation_id != response.invitation_id or response.entered_source is None:
        return
    _mark(response, who, response.entered_source, now or utc_now())
    if _remember(response):
        invitation = response.invitation
        audit.record(invitation.survey.kommune_id, "answers.on_behalf",
                     f"Antworten von {organisation_of(invitation)} im Auftrag gespeichert "
                     f"({SOURCES[response.entered_source]})", obj=response, survey_id=invitation.survey_id)


def submitted(response: Response) -> None:
    """The response was submitted: inside a planner's entering, mark and record it."""
    who = entering()
    if who is None or who.invitation_id != response.invitation_id or response.entered_source is None:
        return
    _mark(response, who, response.entered_source, response.submitted_at or utc_now())
    invitation = response.invitation
    mail = ("mit Bestätigung an die Organisation" if who.confirmation
            else "ohne Bestätigung an die Organisation")
    audit.record(invitation.survey.kommune_id, "answers.on_behalf_submitted",
                 f"Antworten von {organisation_of(invitation)} im Auftrag abgeschickt "
                 f"({SOURCES[response.entered_source]}, {mail})", obj=response, survey_id=invitation.survey_id,
                 after={"quelle": SOURCES[response.entered_source], "bestaetigung": who.confirmation})
    _remember(response)


def confirmation_queued(response: Response) -> bool:
    """Was the confirmation mail of this submission queued? (Not for a planner's unless ticked.)"""
    if response.submitted_at is None:
        return False
    queued = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.invitation_id == response.invitation_id, OutboxMessage.kind == "confirmation",
        OutboxMessage.created_at >= response.submitted_at))
    return bool(queued)


def marks_of_survey(survey_id: int, invitation_id: int | None = None) -> dict[int, str]:
    """invitation id → `mark` for the survey's responses entered on behalf (one query)."""
    query = sa.select(Response).where(Response.survey_id == survey_id, Response.entered_source.is_not(None))
    if invitation_id is not None:
        query = query.where(Response.invitation_id == invitation_id)
    return {r.invitation_id: mark(r) for r in db.session.scalars(query)}


def mark(response: Response | None) -> str:
    """"Erfasst von Anna Planer am 01.12.2026, 14:03 (Telefon)", or "" when the respondent answered alone."""
    if response is None or response.entered_source is None:
        return ""
    when = fmt.datetime(response.entered_at) if response.entered_at else ""
    return (f"Erfasst von {response.entered_by_name or 'einer Planerin oder einem Planer'}"
            + (f" am {when}" if when else "") + f" ({SOURCES.get(response.entered_source, response.entered_source)})")

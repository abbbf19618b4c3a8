"""The planner's dashboard: every survey of the Kommune with its counts and the next sensible step.

The counts of all surveys come from two grouped queries (no query per survey). The next step is
a pure function of the survey's state, deadline and counts (`next_step`), so it is tested per state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import overload

import sqlalchemy as sa

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import Invitation, InvitationStatus, Survey, SurveyItem, SurveyState, utc_now
from . import lifecycle
from .follow_up import (
    reminder_day,
)
from .invitations import (
    Counts,
)


@dataclass(frozen=True)
class Step:
    """What the planner should do next with a survey: a label, the endpoint it leads to, why."""

    label: str
    endpoint: str
    reason: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass
class SurveyRow:
    survey: Survey
    questions: int
    counts: Counts
    last_answer: dt.datetime | None
    next_reminder: dt.date | None
    step: Step
    closing: lifecycle.ClosingNotice | None = None  # closes itself within lifecycle.NOTICE_DAYS

    @property
    def failed_mails(self) -> int:
        """Invitations whose mail did not arrive: refused for good, or bounced after acceptance."""
        return self.counts["failed"] + self.counts["bounced"]

    @property
    def retrying_mails(self) -> int:
        """Invitations whose mail waits for another try (server paused or a temporary refusal)."""
        return self.counts.retrying


# Reminding earlier than this after the last mail (invitation or reminder) annoys more than it helps,
# unless the deadline is close.
REMIND_AFTER = dt.timedelta(days=7)
DEADLINE_CLOSE = dt.timedelta(days=3)


def next_step(state: SurveyState, questions: int, counts: Counts, deadline: dt.date | None,
              today: dt.date, last_mail: dt.date | None = None) -> Step:
    """The one next step for a survey, from its state, counts, deadline and the day of its last mail."""
    if state is SurveyState.DRAFT:
        if not questions:
            return Step("Fragen auswählen", "planner.detail", "Die Befragung hat noch keine Fragen.")
        return Step("Vorschau prüfen und öffnen", "planner.preview",
                    f"{questions} Fragen ausgewählt; nach dem Öffnen können Sie einladen.")
    if state is SurveyState.CLOSED:
        if counts["submitted"]:
            return Step("Ergebnisse ansehen", "results.show",
                        f"Abgeschlossen mit {counts['submitted']} Antworten.")
        return Step("Befragung ansehen", "planner.detail", "Abgeschlossen ohne Antworten.")
    # open
    failed = counts["failed"] + counts["bounced"]
    if counts.active == 0:
        return Step("Einladungen versenden", "invitations.index", "Noch niemand ist eingeladen.")
    if failed:
        shown = "failed" if counts["failed"] else "bounced"
        return Step("Fehlgeschlagene Zustellungen prüfen", "invitations.index",
                    f"{failed} Einladungen kamen nicht an.", (("status", shown),))
    if counts.retrying:  # waiting for another try is no failure: nothing to do but follow it
        return Step("Versand verfolgen", "invitations.index",
                    f"{counts.retrying} Einladungen werden erneut versucht; es geht keine verloren.",
                    (("status", "retrying"),))
    if deadline is not None and deadline < today:
        return Step("Befragung abschließen", "planner.detail",
                    f"Die Frist ist am {fmt.date(deadline)} abgelaufen.")
    waiting = counts["created"]
    if counts.not_submitted == 0 and waiting == 0:
        return Step("Befragung abschließen", "planner.detail", "Alle Eingeladenen haben abgeschickt.")
    if waiting:
        return Step("Versand verfolgen", "invitations.index", f"{waiting} Einladungen warten auf den Versand.")
    deadline_close = deadline is not None and deadline - today <= DEADLINE_CLOSE
    if last_mail is not None and today - last_mail < REMIND_AFTER and not deadline_close:
        return Step("Rücklauf verfolgen", "invitations.index",
                    f"Die letzte E-Mail ging am {fmt.date(last_mail)} hinaus; "
                    "eine Erinnerung lohnt sich nach etwa einer Woche oder kurz vor der Frist.")
    if counts["submitted"] and counts.not_submitted:
        return Step("Erinnern", "invitations.index",
                    f"{counts.not_submitted} Organisationen haben noch nicht abgeschickt; "
                    "der Zwischenstand steht unter Ergebnisse.")
    return Step("Erinnern", "invitations.index",
                f"{counts.not_submitted} Organisationen haben noch nicht abgeschickt.")


def dashboard(kommune_id: int, now: dt.datetime | None = None) -> list[SurveyRow]:
    """One row per survey of the Kommune outside the archive, newest first."""
    now = now or utc_now()
    today = fmt.local(now).date()
    surveys = list(db.session.scalars(sa.select(Survey).where(Survey.kommune_id == kommune_id,
                                                              Survey.archived_at.is_(None))
                                      .order_by(Survey.id.desc())))
    closing = {notice.survey.id: notice for notice in lifecycle.closing_soon(surveys, now)}
    ids = [s.id for s in surveys]
    counts: dict[int, Counts] = {i: Counts() for i in ids}
    last: dict[int, dt.datetime | None] = {}
    mailed: dict[int, dt.datetime | None] = {}
    questions: dict[int, int] = {}
    if ids:
        retrying = sa.case((sa.and_(Invitation.status == InvitationStatus.CREATED, Invitation.failed_reason != ""), 1),
                           else_=0)
        rows = db.session.execute(
            sa.select(Invitation.survey_id, Invitation.status, sa.func.count(), sa.func.sum(retrying),
                      sa.func.max(Invitation.last_saved_at), sa.func.max(Invitation.submitted_at),
                      sa.func.max(Invitation.sent_at), sa.func.max(Invitation.reminded_at))
            .where(Invitation.survey_id.in_(ids), Invitation.test.is_(False))  # a Probelauf never counts
            .group_by(Invitation.survey_id, Invitation.status))
        for survey_id, status, number, retry, saved, submitted, sent, reminded in rows:
            c = counts[survey_id]
            c.by_status[status.value] = number
            c.total += number
            c.retrying += int(retry or 0)
            moments = [_aware(m) for m in (saved, submitted, last.get(survey_id)) if m is not None]
            last[survey_id] = max(moments) if moments else None
            sends = [_aware(m) for m in (sent, reminded, mailed.get(survey_id)) if m is not None]
            mailed[survey_id] = max(sends) if sends else None
        questions = dict(db.session.execute(
            sa.select(SurveyItem.survey_id, sa.func.count()).where(SurveyItem.survey_id.in_(ids))
            .group_by(SurveyItem.survey_id)).all())
    result = []
    for survey in surveys:
        c = counts[survey.id]
        reminder = None
        if survey.is_open and survey.scheduled_reminder_sent_at is None:
            day = reminder_day(survey)
            reminder = day if day is not None and day >= today else None
        n_questions = questions.get(survey.id, 0)
        last_mail = mailed.get(survey.id)
        step = next_step(survey.state, n_questions, c, survey.deadline, today,
                         fmt.local(last_mail).date() if last_mail else None)
        result.append(SurveyRow(survey, n_questions, c, last.get(survey.id), reminder, step, closing.get(survey.id)))
    return result


@overload
def _aware(moment: dt.datetime) -> dt.datetime: ...
@overload
def _aware(moment: None) -> None: ...
def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """max() over a UTCDateTime column comes back raw (naive on SQLite): treat it as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)

"""The guarded lifecycle of a survey after it is built: what opening, closing, reopening, archiving
and deleting will do (the counts and names of their confirmation pages), reopening a closed survey,
closing at the deadline (job kind "surveys.auto_close") with the dashboard's notice before it, the
archive, and deleting a survey for good.

Opening and closing themselves are `services/surveys.open_survey` / `close_survey`; "Alle erinnern"
is `services/follow_up.reminder_plan` / `remind_all`. Functions add and flush; views and the worker
commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import sqlalchemy as sa

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import (
    BounceReport,
    Invitation,
    InvitationStatus,
    Job,
    OutboxMessage,
    OutboxStatus,
    Pseudonym,
    Response,
    Survey,
    SurveyState,
    utc_now,
)
from . import audit, jobs, responses, retention
from .invitations import invitations_of_survey
from .surveys import SurveyError, close_survey, opening_refusals

log = logging.getLogger(__name__)

NOTICE_DAYS = 2  # the dashboard says this many days before that a survey will close itself
AUTO_CLOSE_EVERY = dt.timedelta(minutes=5)


def today(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in Berlin."""
    return fmt.local(now or utc_now()).date()


def closes_at(deadline: dt.date) -> dt.datetime:
    """24:00 Europe/Berlin at the end of the deadline day, in UTC."""
    midnight = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(0), tzinfo=fmt.BERLIN)
    return midnight.astimezone(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def will_close_itself(survey: Survey, now: dt.datetime | None = None) -> bool:
    """True for an open survey whose deadline still lies ahead (or is today) and that closes itself then.

    A deadline that had already passed when the survey was opened never closes it (the opening page
    warned): the planner sets a new deadline, or closes by hand."""
    if not (survey.is_open and survey.auto_close and survey.deadline is not None):
        return False
    end = closes_at(survey.deadline)
    return survey.opened_at is None or end > _aware(survey.opened_at)


def deadline_warning(survey: Survey, now: dt.datetime | None = None) -> str | None:
    """The German warning about a deadline that has passed, or None."""
    if survey.deadline is None or survey.deadline >= today(now):
        return None
    text = f"Die Frist ({fmt.date(survey.deadline)}) liegt in der Vergangenheit."
    if survey.is_open and will_close_itself(survey, now):
        return (text + " Die Befragung wird deshalb in den nächsten Minuten automatisch abgeschlossen. Setzen Sie "
                "eine neue Frist oder schalten Sie den automatischen Abschluss aus, wenn sie offen bleiben soll.")
    if survey.is_open:
        return text + " Setzen Sie eine neue Frist, damit die Antwortenden wissen, bis wann sie antworten sollen."
    return (text + " Setzen Sie unter „Angaben bearbeiten“ eine neue Frist, damit die Antwortenden wissen, bis wann "
            "sie antworten sollen; sonst schließt sich die Befragung nicht automatisch.")


# --- opening -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OpenCheck:
    refusals: list[str]  # why it cannot be opened (German); empty when it can
    warnings: list[str]
    questions: int
    pages: int
    closes: dt.datetime | None  # when it will close itself, if it will


def open_check(survey: Survey, now: dt.datetime | None = None) -> OpenCheck:
    """What the opening page says: refusals, warnings, how many questions on how many pages, the closing."""
    warning = deadline_warning(survey, now)
    closes = None
    if survey.auto_close and survey.deadline is not None and survey.deadline >= today(now):
        closes = closes_at(survey.deadline)
    pages = len({item.page_id for item in survey.items})
    return OpenCheck(opening_refusals(survey), [warning] if warning else [], len(survey.items), pages, closes)


# --- closing and reopening -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Standing:
    """Where the survey's invitations stand: what closing or reopening affects."""

    submitted: list[Invitation]
    in_progress: list[Invitation]  # a draft saved but not submitted
    not_started: list[Invitation]  # sent or opened, nothing saved
    queued_mails: int  # invitation and reminder mails still in the outbox

    @property
    def names_in_progress(self) -> list[str]:
        return [i.organisation or i.email or "Organisation ohne Namen" for i in self.in_progress]

    @property
    def names_submitted(self) -> list[str]:
        return [i.organisation or i.email or "Organisation ohne Namen" for i in self.submitted]


def standing(survey: Survey) -> Standing:
    rows = invitations_of_survey(survey)
    queued = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.invitation_id.in_([i.id for i in rows] or [-1]),
        OutboxMessage.kind.in_(["invitation", "reminder"]),
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))) or 0
    return Standing(
        submitted=[i for i in rows if i.status is InvitationStatus.SUBMITTED],
        in_progress=[i for i in rows if i.status is InvitationStatus.IN_PROGRESS],
        not_started=[i for i in rows if i.status in (InvitationStatus.SENT, InvitationStatus.OPENED)],
        queued_mails=queued)


@dataclasses.dataclass(frozen=True)
class ReopenCheck:
    standing: Standing
    contacts_deleted: bool  # reminders and resends are no longer possible
    needs_deadline: bool  # the deadline has passed and the survey would close itself again at once


def reopen_check(survey: Survey, now: dt.datetime | None = None) -> ReopenCheck:
    if survey.state is not SurveyState.CLOSED:
        raise SurveyError("Nur eine abgeschlossene Befragung kann wieder geöffnet werden.")
    past = survey.deadline is not None and survey.deadline < today(now)
    return ReopenCheck(standing(survey), survey.contacts_deleted_at is not None, past and survey.auto_close)


def reopen_survey(survey: Survey, *, submitted_may_edit: bool, deadline: dt.date | None = None,
                  now: dt.datetime | None = None) -> int:
    """Open a closed survey again; returns how many submitted answers were opened for editing.

    Drafts in progress can be continued with the same links. With `submitted_may_edit` every
    submitted response becomes a draft again (its answers are kept as typed and count in the
    results once submitted again); otherwise submitted respondents see their confirmation as before.
    A new `deadline` replaces a past one; with automatic closing on, a past deadline is refused.
    """
    if survey.state is not SurveyState.CLOSED:
        raise SurveyError("Nur eine abgeschlossene Befragung kann wieder geöffnet werden.")
    if survey.archived_at is not None:
        raise SurveyError("Die Befragung ist archiviert. Holen Sie sie zuerst aus dem Archiv zurück.")
    before = {"deadline": fmt.date(survey.deadline) if survey.deadline else None}
    if deadline is not None:
        if deadline < today(now):
            raise SurveyError(f"Die neue Frist ({fmt.date(deadline)}) liegt in der Vergangenheit. Bitte wählen Sie "
                              "heute oder einen späteren Tag.")
        survey.deadline = deadline
    if survey.auto_close and survey.deadline is not None and survey.deadline < today(now):
        raise SurveyError(f"Die Frist ({fmt.date(survey.deadline)}) ist abgelaufen, und die Befragung schließt sich am "
                          "Tag der Frist automatisch: sie wäre sofort wieder geschlossen. Bitte geben Sie eine neue "
                          "Frist an.")
    reopened = 0
    if submitted_may_edit:
        for response in db.session.scalars(sa.select(Response).where(
                Response.survey_id == survey.id, Response.submitted_at.is_not(None))).all():
            if response.invitation.test:
                continue
            responses.reopen(response)
            reopened += 1
    survey.state = SurveyState.OPEN
    how = (f"; {fmt.counted(reopened, 'abgeschickte Antwort', 'abgeschickte Antworten')} wieder zur Bearbeitung "
           "freigegeben" if submitted_may_edit else "; abgeschickte Antworten bleiben abgeschickt")
    audit.record(survey.kommune_id, "survey.reopened", f"Befragung „{survey.title}“ wieder geöffnet{how}", obj=survey,
                 survey_id=survey.id, before=before if deadline else None,
                 after={"deadline": fmt.date(survey.deadline)} if deadline else None)
    db.session.flush()
    return reopened


# --- closing at the deadline -----------------------------------------------------------------------------


def due_for_closing(now: dt.datetime | None = None) -> list[Survey]:
    """Open surveys with automatic closing whose deadline day has ended (in Berlin) since they were opened."""
    at = now or utc_now()
    candidates = db.session.scalars(sa.select(Survey).where(
        Survey.state == SurveyState.OPEN, Survey.auto_close.is_(True), Survey.deadline.is_not(None),
        Survey.deadline < today(at) + dt.timedelta(days=1)).order_by(Survey.id)).all()
    return [s for s in candidates if s.deadline is not None and closes_at(s.deadline) <= at
            and will_close_itself(s, at)]


def close_due(now: dt.datetime | None = None) -> list[Survey]:
    """Close every survey whose deadline has passed (recorded as done by the system); returns them.

    Drafts in progress stay as they are; a respondent who saves afterwards gets the page of a closed
    survey that shows every posted answer to copy (`views/respond`)."""
    at = now or utc_now()
    closed = due_for_closing(at)
    with audit.acting_as(audit.SYSTEM_ACTING):
        for survey in closed:
            close_survey(survey, at, automatic=True)
    db.session.flush()
    return closed


@jobs.job_kind("surveys.auto_close", interval=AUTO_CLOSE_EVERY, label="Befragungen zur Frist abschließen")
def auto_close_job(job: Job) -> None:
    """The worker's run of `close_due` (every five minutes); logs ids only."""
    closed = close_due(jobs.now())
    if closed:
        log.info("auto-close: closed surveys %s at their deadline", [s.id for s in closed])


@dataclasses.dataclass(frozen=True)
class ClosingNotice:
    survey: Survey
    closes: dt.datetime
    in_progress: int  # drafts saved but not submitted

    @property
    def day(self) -> dt.date:
        assert self.survey.deadline is not None
        return self.survey.deadline


def closing_soon(surveys: list[Survey], now: dt.datetime | None = None) -> list[ClosingNotice]:
    """The dashboard's notices: open surveys that close themselves within `NOTICE_DAYS` days (today included)."""
    day = today(now)
    soon = [s for s in surveys if will_close_itself(s, now) and s.deadline is not None
            and day <= s.deadline <= day + dt.timedelta(days=NOTICE_DAYS)]
    drafts: dict[int, int] = {}
    if soon:
        drafts = dict(db.session.execute(
            sa.select(Invitation.survey_id, sa.func.count(Invitation.id)).where(
                Invitation.survey_id.in_([s.id for s in soon]), Invitation.test.is_(False),
                Invitation.status == InvitationStatus.IN_PROGRESS).group_by(Invitation.survey_id)).all())
    return [ClosingNotice(s, closes_at(s.deadline), drafts.get(s.id, 0)) for s in soon if s.deadline is not None]


# --- archive -----------------------------------------------------------------------------------------


def archive(survey: Survey, now: dt.datetime | None = None) -> None:
    """Move a closed survey into the archive: it leaves the active lists; nothing else changes."""
    if survey.state is not SurveyState.CLOSED:
        raise SurveyError("Nur eine abgeschlossene Befragung kann archiviert werden. Schließen Sie sie zuerst ab.")
    if survey.archived_at is not None:
        raise SurveyError("Die Befragung ist bereits archiviert.")
    survey.archived_at = now or utc_now()
    audit.record(survey.kommune_id, "survey.archived", f"Befragung „{survey.title}“ archiviert", obj=survey,
                 survey_id=survey.id)
    db.session.flush()


def unarchive(survey: Survey) -> None:
    """Take a survey back out of the archive."""
    if survey.archived_at is None:
        raise SurveyError("Die Befragung ist nicht archiviert.")
    survey.archived_at = None
    audit.record(survey.kommune_id, "survey.unarchived", f"Befragung „{survey.title}“ aus dem Archiv zurückgeholt",
                 obj=survey, survey_id=survey.id)
    db.session.flush()


def active_surveys(kommune_id: int) -> list[Survey]:
    """The Kommune's surveys outside the archive, newest first."""
    return list(db.session.scalars(sa.select(Survey).where(Survey.kommune_id == kommune_id,
                                                           Survey.archived_at.is_(None)).order_by(Survey.id.desc())))


def archived_surveys(kommune_id: int) -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).where(Survey.kommune_id == kommune_id,
                                                           Survey.archived_at.is_not(None))
                                   .order_by(Survey.archived_at.desc(), Survey.id.desc())))


# --- deleting --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Holdings:
    """What deleting a survey removes, and why it may be refused."""

    questions: int
    invitations: int
    responses: int
    submitted: int
    mails: int
    bounce_reports: int
    follow_ups: list[Survey]
    refusal: str | None


def holdings(survey: Survey) -> Holdings:
    invitation_ids = sa.select(Invitation.id).where(Invitation.survey_id == survey.id).scalar_subquery()

    def count(query: sa.Select) -> int:
        return db.session.scalar(query) or 0

    follow_ups = list(db.session.scalars(sa.select(Survey).where(Survey.previous_id == survey.id)
                                         .order_by(Survey.id)))
    refusal = None
    if survey.is_open:
        refusal = "Eine offene Befragung kann nicht gelöscht werden. Schließen Sie sie zuerst ab."
    elif follow_ups:
        refusal = ("Die Befragung hat eine Folgebefragung, die auf sie verweist ("
                   + ", ".join(f"„{f.title}“" for f in follow_ups)
                   + "); deren Vergleich mit dieser Befragung ginge verloren. Löschen Sie zuerst die Folgebefragung "
                   "oder archivieren Sie diese Befragung stattdessen.")
    return Holdings(
        questions=len(survey.items),
        invitations=count(sa.select(sa.func.count(Invitation.id)).where(Invitation.survey_id == survey.id,
                                                                       Invitation.test.is_(False))),
        responses=count(sa.select(sa.func.count(Response.id)).where(Response.survey_id == survey.id)),
        submitted=count(sa.select(sa.func.count(Response.id)).where(Response.survey_id == survey.id,
                                                                   Response.submitted_at.is_not(None))),
        mails=count(sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.invitation_id.in_(invitation_ids))),
        bounce_reports=count(sa.select(sa.func.count(BounceReport.id)).where(
            BounceReport.invitation_id.in_(invitation_ids))),
        follow_ups=follow_ups, refusal=refusal)


def confirmation_word(survey: Survey) -> str:
    """What the planner types to confirm deleting: the survey's title."""
    return survey.title.strip()


def delete_survey(survey: Survey, typed: str) -> Holdings:
    """Delete a draft or closed survey with its questions, invitations, answers, mails and bounce
    reports; the audit log keeps its entries (they name the survey by title and number).

    `typed` must be the survey's title (the second confirmation)."""
    held = holdings(survey)
    if held.refusal:
        raise SurveyError(held.refusal)
    if " ".join(typed.split()).casefold() != " ".join(confirmation_word(survey).split()).casefold():
        raise SurveyError("Der eingegebene Titel stimmt nicht mit dem Titel der Befragung überein; es wurde nichts "
                          "gelöscht.")
    invitation_ids = list(db.session.scalars(sa.select(Invitation.id).where(Invitation.survey_id == survey.id)))
    mail_ids = list(db.session.scalars(sa.select(OutboxMessage.id).where(
        OutboxMessage.invitation_id.in_(invitation_ids or [-1]))))
    # Mails and bounce reports hold addresses and greetings; their foreign keys would only be set to NULL.
    db.session.execute(sa.delete(BounceReport).where(sa.or_(BounceReport.invitation_id.in_(invitation_ids or [-1]),
                                                            BounceReport.outbox_id.in_(mail_ids or [-1]))))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(mail_ids or [-1])))
    retention.delete_mailbox_files(mail_ids)
    db.session.execute(sa.delete(Response).where(Response.survey_id == survey.id))
    db.session.execute(sa.delete(Invitation).where(Invitation.survey_id == survey.id))
    db.session.execute(sa.delete(Pseudonym).where(Pseudonym.series_id == survey.id))
    audit.record(survey.kommune_id, "survey.deleted",
                 f"Befragung „{survey.title}“ (Nr. {survey.id}) gelöscht: "
                 f"{fmt.counted(held.invitations, 'Einladung', 'Einladungen')}, "
                 f"{fmt.counted(held.submitted, 'abgeschickte Antwort', 'abgeschickte Antworten')}",
                 obj=survey, survey_id=survey.id)
    db.session.delete(survey)
    db.session.flush()
    retention.empty_log_after_commit()
    return held

"""Following up on invitations: resend (same link or a new one), remind (selected, all not submitted,
scheduled before the deadline), withdraw, correct an address, mark "unzustellbar" or "nimmt nicht
teil" and undo that. Every mail goes via the outbox, like the invitations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import (
    Actor,
    Invitation,
    InvitationStatus,
    OutboxMessage,
    OutboxStatus,
    Survey,
    SurveyState,
    utc_now,
)
from ..models.base import rowcount
from . import delegation
from .invitations import (
    current_token,
    enqueue,
    invitations_of_survey,
    log,
    normalise_address,
    require_open,
    set_token,
)
from .surveys import SurveyError
from .tokens import new_token


def _cancel_pending(invitation: Invitation, kinds: tuple[str, ...] = ("invitation", "reminder")) -> int:
    result = db.session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind.in_(kinds),
        OutboxMessage.status == OutboxStatus.PENDING).values(
            status=OutboxStatus.CANCELLED, last_error="Durch eine neuere E-Mail ersetzt."))
    return rowcount(result)


def resend(invitation: Invitation, new_link: bool = False) -> str | None:
    """Send the invitation again; with `new_link` (or when the old link is unknown) the old link stops working."""
    require_open(invitation.survey)
    if invitation.status is InvitationStatus.WITHDRAWN:
        raise SurveyError("Diese Einladung wurde zurückgezogen. Laden Sie die Organisation bitte neu ein.")
    if invitation.status is InvitationStatus.DECLINED:
        raise SurveyError("Diese Organisation nimmt nicht teil. Nehmen Sie das zuerst zurück, "
                          "wenn sie die Einladung doch bekommen soll.")
    token = None if new_link else current_token(invitation)
    if token is None:
        token = new_token()
        set_token(invitation, token)
        new_link = True
    _cancel_pending(invitation)
    if invitation.status in (InvitationStatus.FAILED, InvitationStatus.BOUNCED):
        invitation.status = InvitationStatus.CREATED  # the worker makes it "sent" (or "failed") again
        invitation.bounced_at = None
        invitation.status_before = None
    invitation.failed_reason = ""
    enqueue(invitation, "invitation")
    log(invitation, "invitation.sent", "Einladung erneut gesendet" + (" (neuer Link)" if new_link else ""))
    db.session.flush()
    return token if new_link else None


def failed_invitations(survey: Survey) -> list[Invitation]:
    """The survey's invitations whose delivery failed for good, oldest first."""
    return list(db.session.scalars(sa.select(Invitation).where(
        Invitation.survey_id == survey.id, Invitation.test.is_(False), Invitation.status == InvitationStatus.FAILED)
        .order_by(Invitation.id)))


def resend_failed(survey: Survey) -> int:
    """Send every failed invitation of the survey again (same link where it is known); returns how many."""
    require_open(survey)
    failed = failed_invitations(survey)
    for invitation in failed:
        resend(invitation)
    return len(failed)


def remind(invitations: Iterable[Invitation]) -> tuple[int, int]:
    """Queue a reminder for each invitation that may get one; returns (queued, skipped)."""
    queued = skipped = 0
    for invitation in invitations:
        if not invitation.can_be_reminded or not invitation.survey.is_open:
            skipped += 1
            continue
        if current_token(invitation) is None:  # no key opens the seal: a fresh link (the old one is lost)
            set_token(invitation, new_token())
        _cancel_pending(invitation, ("reminder",))
        enqueue(invitation, "reminder")
        log(invitation, "invitation.reminded", "Erinnert")
        queued += 1
    db.session.flush()
    return queued, skipped


# "Alle erinnern" leaves out whoever got a reminder this many days ago or less (the planner may change
# it on the confirmation page; `REMIND_PAUSE_DAYS` in the configuration sets the default).
REMIND_PAUSE_DAYS = 7


@dataclass(frozen=True)
class ReminderPlan:
    """What "Alle erinnern" will do: who is reminded, who is skipped with the moment of the last reminder."""

    pause_days: int
    reminded: list[Invitation]
    skipped: list[tuple[Invitation, dt.datetime]]


def last_reminders(invitations: Iterable[Invitation]) -> dict[int, dt.datetime]:
    """invitation id -> the latest reminder: delivered (`reminded_at`) or still queued/being sent in the outbox."""
    ids = [invitation.id for invitation in invitations]
    latest: dict[int, dt.datetime] = {}
    for invitation in invitations:
        if invitation.reminded_at is not None:
            latest[invitation.id] = _aware(invitation.reminded_at)
    if ids:
        queued = db.session.execute(
            sa.select(OutboxMessage.invitation_id, sa.func.max(OutboxMessage.created_at))
            .where(OutboxMessage.invitation_id.in_(ids), OutboxMessage.kind == "reminder",
                   OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT]))
            .group_by(OutboxMessage.invitation_id))
        for invitation_id, at in queued:
            if invitation_id is None or at is None:
                continue
            if invitation_id not in latest or _aware(at) > latest[invitation_id]:
                latest[invitation_id] = _aware(at)
    return latest


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def reminder_plan(survey: Survey, pause_days: int = REMIND_PAUSE_DAYS, now: dt.datetime | None = None) -> ReminderPlan:
    """Everyone who has not submitted, split into those reminded now and those reminded within `pause_days`."""
    at = now or utc_now()
    waiting = invitations_of_survey(survey, "not_submitted")
    latest = last_reminders(waiting)
    limit = at - dt.timedelta(days=pause_days)
    skipped = [(i, latest[i.id]) for i in waiting if i.id in latest and latest[i.id] > limit]
    left_out = {i.id for i, _at in skipped}
    return ReminderPlan(pause_days, [i for i in waiting if i.id not in left_out], skipped)


def remind_all(survey: Survey, pause_days: int = REMIND_PAUSE_DAYS, now: dt.datetime | None = None
               ) -> tuple[int, int]:
    """"Alle erinnern": remind everyone who has not submitted, except those reminded within `pause_days`;
    returns (queued, skipped). The confirmation page shows `reminder_plan` first."""
    require_open(survey)
    plan = reminder_plan(survey, pause_days, now)
    queued, _refused = remind(plan.reminded)
    return queued, len(plan.skipped)


def remind_not_submitted(survey: Survey) -> int:
    """`remind_all` with the default pause; returns how many reminders were queued."""
    return remind_all(survey)[0]


def remind_selected(survey: Survey, invitation_ids: Iterable[int]) -> tuple[int, int]:
    require_open(survey)
    ids = set(invitation_ids)
    if not ids:
        raise SurveyError("Bitte wählen Sie mindestens eine Einladung aus.")
    rows = db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey.id, Invitation.test.is_(False),
                                                      Invitation.id.in_(ids)))
    return remind(rows)


def withdraw(invitation: Invitation) -> None:
    """The link stops working and no further mail goes out; submitted answers stay."""
    if invitation.status is InvitationStatus.SUBMITTED:
        raise SurveyError("Diese Organisation hat bereits geantwortet; die Einladung kann nicht mehr zurückgezogen "
                          "werden.")
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.withdrawn_at = utc_now()
    invitation.token_sealed = None  # final: the link is never mailed again, so nothing keeps it
    _cancel_pending(invitation)
    log(invitation, "invitation.changed", "Einladung zurückgezogen")
    db.session.flush()


def correct_address(invitation: Invitation, address: str, update_register: bool = True,
                    contact_name: str | None = None) -> bool:
    """Change the addressee (address and/or contact name); the response stays, and so does the link.

    A new address gets the invitation (same link) when the survey is open and the invitation
    still waits for answers. Kept in the invitation's history (`delegation.history`) and the
    audit log. Returns whether the invitation is sent to the new address.
    """
    email = normalise_address(address)
    name = " ".join((invitation.contact_name if contact_name is None else contact_name).split())
    if len(name) > 200:
        raise SurveyError(f"Der Name der Ansprechperson ist zu lang (höchstens 200 Zeichen, jetzt {len(name)}).")
    if email == invitation.email and name == invitation.contact_name:
        raise SurveyError("Die neue Adresse ist dieselbe wie die bisherige.")
    clash = db.session.scalar(sa.select(Invitation).where(
        Invitation.survey_id == invitation.survey_id, sa.func.lower(Invitation.email) == email,
        Invitation.id != invitation.id))
    if clash is not None:
        raise SurveyError(f"{email} ist zu dieser Befragung bereits eingeladen.")
    old, old_name = invitation.email, invitation.contact_name
    invitation.email = email
    invitation.contact_name = name
    if update_register and invitation.actor_id:
        actor = db.session.get(Actor, invitation.actor_id)
        if actor is not None and actor.email.lower() == old:
            actor.email = email
            actor.contact_name = name or actor.contact_name
    delegation.record_planner_change(invitation, old, old_name)
    log(invitation, "invitation.addressee", "Empfänger geändert (bisherige Antworten bleiben erhalten)")
    sent = email != old and invitation.survey.is_open and invitation.status in RESEND_ON_NEW_ADDRESS
    if sent:
        resend(invitation)
    db.session.flush()
    return sent


# Correcting the address of one of these sends the invitation (same link) to the new address; an
# opened or started one too, so a new addressee can continue the answers saved so far.
RESEND_ON_NEW_ADDRESS = (InvitationStatus.CREATED, InvitationStatus.FAILED, InvitationStatus.SENT,
                         InvitationStatus.BOUNCED, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)


MARK_BOUNCED_FROM = (InvitationStatus.SENT,)


DECLINE_FROM = (InvitationStatus.CREATED, InvitationStatus.SENT, InvitationStatus.FAILED, InvitationStatus.BOUNCED,
                InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)


def mark_bounced(invitation: Invitation, reason: str, now: dt.datetime | None = None) -> None:
    """The mail came back after the relay accepted it (or the planner knows it did not arrive): "unzustellbar".

    Only a sent invitation that nobody has opened can be unzustellbar: an opened link proves the mail
    arrived. Pending reminders are cancelled; reminding waits for a corrected address and a resend.
    """
    if invitation.status not in MARK_BOUNCED_FROM:
        raise SurveyError(_not_bounceable(invitation))
    invitation.status_before = invitation.status
    invitation.status = InvitationStatus.BOUNCED
    invitation.bounced_at = now or utc_now()
    invitation.failed_reason = " ".join(reason.split())[:2000] or "Von Hand als unzustellbar markiert."
    _cancel_pending(invitation, ("reminder",))
    log(invitation, "invitation.changed", "Als unzustellbar vermerkt")
    db.session.flush()


def _not_bounceable(invitation: Invitation) -> str:
    status = invitation.status
    if status in (InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS, InvitationStatus.SUBMITTED):
        return "Die Organisation hat ihren Link schon geöffnet – die Einladung ist also angekommen."
    if status is InvitationStatus.CREATED:
        return "Die Einladung ist noch nicht versendet."
    if status is InvitationStatus.FAILED:
        return "Die Zustellung ist bereits fehlgeschlagen; korrigieren Sie die Adresse oder senden Sie erneut."
    return f"Eine Einladung mit dem Status „{invitation.status_label}“ kann nicht als unzustellbar markiert werden."


def mark_declined(invitation: Invitation, note: str = "", now: dt.datetime | None = None) -> None:
    """The organisation said it will not take part: no more reminders, it counts as reached but not answered."""
    if invitation.status not in DECLINE_FROM:
        if invitation.status is InvitationStatus.SUBMITTED:
            raise SurveyError("Diese Organisation hat bereits geantwortet.")
        if invitation.status is InvitationStatus.DECLINED:
            raise SurveyError("Diese Organisation ist bereits als „nimmt nicht teil“ vermerkt.")
        raise SurveyError("Diese Einladung wurde zurückgezogen.")
    invitation.status_before = invitation.status
    invitation.status = InvitationStatus.DECLINED
    invitation.declined_at = now or utc_now()
    invitation.declined_note = note.strip()[:2000]
    _cancel_pending(invitation)
    log(invitation, "invitation.changed", "Als „nimmt nicht teil“ vermerkt")
    db.session.flush()


def undo_mark(invitation: Invitation) -> InvitationStatus:
    """Take back "unzustellbar" or "nimmt nicht teil": the status it had before; returns it.

    A decline made before the invitation went out gets its invitation mail queued again (same link).
    """
    if invitation.status not in (InvitationStatus.BOUNCED, InvitationStatus.DECLINED):
        raise SurveyError("Diese Einladung ist weder als unzustellbar noch als „nimmt nicht teil“ vermerkt.")
    if invitation.status is InvitationStatus.BOUNCED:
        invitation.bounced_at = None
        invitation.failed_reason = ""
    else:
        invitation.declined_at = None
        invitation.declined_note = ""
    invitation.status = invitation.status_before or InvitationStatus.SENT
    invitation.status_before = None
    log(invitation, "invitation.changed", "Vermerk zurückgenommen")
    if invitation.status is InvitationStatus.CREATED and invitation.survey.is_open:
        resend(invitation)
    db.session.flush()
    return invitation.status


def due_scheduled_reminders(now: dt.datetime | None = None) -> int:
    """Queue the scheduled reminders of every open survey whose reminder day has come; returns mails queued."""
    now = now or utc_now()
    today = fmt.local(now).date()
    query = sa.select(Survey).where(
        Survey.state == SurveyState.OPEN, Survey.remind_days_before.is_not(None), Survey.deadline.is_not(None),
        Survey.scheduled_reminder_sent_at.is_(None))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    queued = 0
    for survey in db.session.scalars(query).all():
        assert survey.deadline is not None  # the query asks for one
        day = survey.deadline - dt.timedelta(days=survey.remind_days_before or 0)
        if not day <= today <= survey.deadline:
            continue
        queued += remind(invitations_of_survey(survey, "not_submitted"))[0]
        survey.scheduled_reminder_sent_at = now
    db.session.flush()
    return queued


def reminder_day(survey: Survey) -> dt.date | None:
    if survey.deadline is None or survey.remind_days_before is None:
        return None
    return survey.deadline - dt.timedelta(days=survey.remind_days_before)

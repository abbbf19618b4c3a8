"""Retention of contact data: contact persons' names and e-mail addresses are kept only as long as needed.

A closed survey's contact data (each invitation's address and contact person, its outbox mails'
recipient and bodies, bounce reports about them, the demo mailbox's .eml files, the names, addresses
and notes of its addressee history `Delegation`) is deleted
`CONTACT_RETENTION_DAYS` after its closing (`Survey.closed_at`, set again by every closing, so a
reopened survey starts the clock anew), or at once when the planner asks; the invitation's sealed
link goes with them (no more mail can reach the person). The organisation's name,
the invitation's states and every answer but the contact person's ("Ansprechperson", `results.dataset.CONTACT_KEYS`)
stay: results and later waves do not need a person.

Register contact persons (`Actor.contact_name`, `email`, `phone`, and the further `ActorContact` rows) carry their own
`contact_confirmed_at` ("zuletzt bestätigt"): saving the entry, the button "Kontakt bestätigen"
and an import row that updates the entry confirm it; without a confirmation for the same period the
main contact's fields are cleared and the further contacts deleted (the organisation stays in the register).

The job worker runs `purge` daily (`retention.contacts`); it logs counts, never names or addresses.
Like every service this adds and flushes; the worker and the views commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import Actor, BounceReport, Delegation, Invitation, Job, OutboxMessage, Response, Survey, SurveyState
from ..models.base import rowcount, utc_now
from . import audit, jobs, pseudonyms
from .results.dataset import (
    CONTACT_KEYS,
)

log = logging.getLogger(__name__)

DEFAULT_DAYS = 183


def period() -> dt.timedelta:
    """How long contact data is kept after a survey's closing or a contact's last confirmation."""
    return dt.timedelta(days=int(current_app.config.get("CONTACT_RETENTION_DAYS", DEFAULT_DAYS)))


def period_text(days: int | None = None) -> str:
    """The period as the privacy notice says it: "183 Tage (etwa sechs Monate)"."""
    days = int(current_app.config.get("CONTACT_RETENTION_DAYS", DEFAULT_DAYS)) if days is None else days
    text = "1 Tag" if days == 1 else f"{fmt.number(days)} Tage"
    months = round(days / 30.4)
    if days >= 56 and abs(days - months * 30.4) <= 3:
        words = {2: "zwei", 3: "drei", 4: "vier", 6: "sechs", 9: "neun", 12: "zwölf", 18: "achtzehn",
                 24: "vierundzwanzig"}
        text += f" (etwa {words.get(months, fmt.number(months))} Monate)"
    return text


def deletion_due(survey: Survey) -> dt.datetime | None:
    """When the survey's contact data will be deleted (None: not closed, or already deleted)."""
    if survey.state is not SurveyState.CLOSED or survey.closed_at is None or not contacts_kept(survey):
        return None
    return survey.closed_at + period()


def contacts_kept(survey: Survey) -> bool:
    """True while the survey still holds contact data (never deleted, or reopened and closed since)."""
    return survey.contacts_deleted_at is None or (
        survey.closed_at is not None and survey.contacts_deleted_at < survey.closed_at)


def confirmation_due(actor: Actor) -> dt.datetime | None:
    """When the register contact will be cleared unless confirmed (None: no contact data)."""
    if not (actor.contact_name or actor.email or actor.phone):
        return None
    return (actor.contact_confirmed_at or actor.created_at) + period()


@dataclasses.dataclass
class Deleted:
    """What a deletion removed, as counts (what the log and the planner are told)."""

    surveys: int = 0
    invitations: int = 0
    mails: int = 0
    bounce_reports: int = 0
    mailbox_files: int = 0
    actors: int = 0
    answers: int = 0  # responses whose contact-person answer (`results.dataset.CONTACT_KEYS`) was removed

    def add(self, other: Deleted) -> None:
        for name in dataclasses.asdict(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def delete_survey_contacts(survey: Survey, now: dt.datetime | None = None) -> Deleted:
    """Delete the contact persons' names and addresses of a closed survey now; answers stay."""
    if survey.state is not SurveyState.CLOSED:
        raise ValueError("contact data is deleted only from a closed survey")
    at = now or utc_now()
    deleted = Deleted(surveys=1)
    invitation_ids = sa.select(Invitation.id).where(Invitation.survey_id == survey.id).scalar_subquery()
    deleted.invitations = rowcount(db.session.execute(
        sa.update(Invitation).where(Invitation.survey_id == survey.id,
                                    sa.or_(Invitation.email != "", Invitation.contact_name != "",
                                           Invitation.token_sealed.is_not(None)))
        .values(email="", contact_name="", token_sealed=None).execution_options(synchronize_session="fetch")))
    # The addressee history names the people an invitation went to (and a respondent's note).
    db.session.execute(sa.update(Delegation).where(Delegation.invitation_id.in_(invitation_ids))
                       .values(from_name="", from_email="", to_name="", to_email="", note="")
                       .execution_options(synchronize_session="fetch"))
    mail_ids = list(db.session.scalars(
        sa.select(OutboxMessage.id).where(OutboxMessage.invitation_id.in_(invitation_ids))))
    if mail_ids:
        # The bodies hold the greeting (a person's name) and the link; the subject only the survey's title.
        deleted.mails = rowcount(db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(mail_ids),
                                           sa.or_(OutboxMessage.recipient != "", OutboxMessage.body_text != "",
                                                  OutboxMessage.body_html != ""))
            .values(recipient="", body_text="", body_html="").execution_options(synchronize_session="fetch")))
        deleted.mailbox_files = delete_mailbox_files(mail_ids)
    deleted.bounce_reports = rowcount(db.session.execute(
        sa.update(BounceReport).where(sa.or_(BounceReport.invitation_id.in_(invitation_ids),
                                             BounceReport.outbox_id.in_(mail_ids or [-1])),
                                      sa.or_(BounceReport.recipient != "", BounceReport.raw != "",
                                             BounceReport.diagnostic != ""))
        .values(recipient="", raw="", diagnostic="").execution_options(synchronize_session="fetch")))
    deleted.answers = _forget_contact_answers(survey)
    db.session.flush()
    pseudonyms.forget_addresses(survey)
    survey.contacts_deleted_at = at
    audit.record(survey.kommune_id, "subject.request",
                 f"Kontaktdaten der Befragung „{survey.title}“ gelöscht ({deleted.invitations} Einladungen, "
                 f"{deleted.mails} E-Mails)", obj=survey, survey_id=survey.id)
    db.session.flush()
    empty_log_after_commit()
    return deleted


def empty_log_after_commit() -> None:
    """After the caller's commit, fold SQLite's write-ahead log so deleted contact data leaves no copy there."""
    sa.event.listen(db.session(), "after_commit", _empty_the_log, once=True)


def _empty_the_log(_session: object) -> None:
    """Once a deletion is committed: on SQLite, fold the write-ahead log into the database file and
    empty it, so the -wal file beside it keeps no page with the deleted names (the file itself
    zeroes deleted content: `secure_delete`). PostgreSQL keeps old row versions until VACUUM
    reuses their space; docs/deploy.md says so."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def is_contact_key(key: str) -> bool:
    return any(key == k or key.startswith((k + "/", k + ".")) for k in CONTACT_KEYS)


def _forget_contact_answers(survey: Survey) -> int:
    """Remove the answers naming a contact person ("Ansprechperson: Name, Funktion") from every
    response of `survey`, typed answers and draft alike; every other answer stays."""
    changed = 0
    for response in db.session.scalars(sa.select(Response).where(Response.survey_id == survey.id)):
        answers = response.answers or {}
        draft = response.draft or {}
        if any(is_contact_key(k) for k in answers) or any(is_contact_key(k) for k in draft):
            if response.answers is not None:
                response.answers = {k: v for k, v in answers.items() if not is_contact_key(k)}
            response.draft = {k: v for k, v in draft.items() if not is_contact_key(k)}
            changed += 1
    return changed


def delete_mailbox_files(mail_ids: list[int]) -> int:
    """The demo mailbox's copies of these mails (`<outbox id>.eml`, see delivery.MailboxSender)."""
    directory = Path(current_app.config.get("MAILBOX_DIR") or "")
    if not str(directory) or not directory.is_dir():
        return 0
    count = 0
    for mail_id in mail_ids:
        path = directory / f"{mail_id:08d}.eml"
        if path.exists():
            path.unlink()
            count += 1
    return count


def confirm_contact(actor: Actor, now: dt.datetime | None = None) -> None:
    """A planner confirmed the register contact: the retention clock starts again."""
    actor.contact_confirmed_at = now or utc_now()
    audit.record(actor.kommune_id, "actor.changed", f"Ansprechperson von „{actor.name}“ bestätigt", obj=actor)
    db.session.flush()


def clear_actor_contact(actor: Actor) -> None:
    """The entry's contact persons go (the main one's fields, the further ones' rows); the organisation stays."""
    actor.contact_name = actor.email = actor.phone = actor.contact_role = ""
    actor.contacts.clear()
    audit.record(actor.kommune_id, "actor.changed", f"Ansprechperson von „{actor.name}“ gelöscht", obj=actor)
    db.session.flush()


def purge(now: dt.datetime | None = None) -> Deleted:
    """Delete what is due: closed surveys' contacts after the period, unconfirmed register contacts."""
    at = now or utc_now()
    limit = at - period()
    total = Deleted()
    due = db.session.scalars(
        sa.select(Survey).where(Survey.state == SurveyState.CLOSED, Survey.closed_at.is_not(None),
                                Survey.closed_at <= limit,
                                sa.or_(Survey.contacts_deleted_at.is_(None),
                                       Survey.contacts_deleted_at < Survey.closed_at))
        .order_by(Survey.id)).all()
    for survey in due:
        total.add(delete_survey_contacts(survey, at))
    stale = db.session.scalars(
        sa.select(Actor).where(sa.func.coalesce(Actor.contact_confirmed_at, Actor.created_at) <= limit,
                               sa.or_(Actor.contact_name != "", Actor.email != "", Actor.phone != "",
                                      Actor.contacts.any()))
        .order_by(Actor.id)).all()
    for actor in stale:
        clear_actor_contact(actor)
    total.actors = len(stale)
    db.session.flush()
    return total


@jobs.job_kind("retention.contacts", interval=dt.timedelta(days=1), label="Kontaktdaten nach Ablauf der Frist löschen")
def retention_job(job: Job) -> None:
    """The daily run of `purge`; logs what it deleted as counts."""
    deleted = purge(jobs.now())
    log.info("retention: deleted contact data of %d closed surveys (%d invitations, %d mails, %d bounce reports, "
             "%d mailbox files) and %d unconfirmed register contacts (period %d days)",
             deleted.surveys, deleted.invitations, deleted.mails, deleted.bounce_reports, deleted.mailbox_files,
             deleted.actors, period().days, extra={"retention": dataclasses.asdict(deleted)})

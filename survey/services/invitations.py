"""Inviting organisations to a survey: one invitation each, every mail via the outbox; prepared
invitations of a follow-up wave; checking pasted addresses; the lists and counts of the invitation
page; the tokens behind the personal links.

The respondent link is shown only in mails. The token is stored as its hash (the lookup) and
sealed with the link keyring (`survey/link_keys.py`); a resend or a reminder reuses the sealed
token, and outbox bodies carry a placeholder that the mail worker fills in when it sends. Only
when no key opens the seal any more (or an invitation from before sealing lost its mail) a new
link is issued, which invalidates the old one.

The mail texts are `mail_texts`; resending, reminding, withdrawing and marking are `follow_up`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from analysis.overview import OPENED, rate_base, response_rate

from .. import link_keys
from ..extensions import db
from ..models import Actor, Invitation, InvitationStatus, OutboxMessage, Survey
from ..models.invitation import REMINDABLE
from . import audit, outbox
from .address_paste import PastedAddress, check_address, parse_paste
from .mail_texts import render_mail
from .surveys import SurveyError
from .tokens import hash_token, new_token


def respondent_link(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/r/{token}"


def normalise_address(address: str) -> str:
    """The address in canonical form; raises SurveyError with a German reason when it is invalid."""
    email, reason = check_address(address)
    if reason:
        raise SurveyError(f"„{address.strip()}“ ist keine gültige E-Mail-Adresse: {reason}")
    return email


def find_by_token(token: str) -> Invitation | None:
    """The invitation of `token`, unless it was withdrawn or replaced by a new link."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.status is InvitationStatus.WITHDRAWN:
        return None
    return invitation


def require_open(survey: Survey) -> None:
    if not survey.is_open:
        raise SurveyError("Einladungen können erst verschickt werden, wenn die Befragung geöffnet ist.")


def set_token(invitation: Invitation, token: str) -> None:
    """Give the invitation this link: its hash for the lookup, the sealed token for later mails."""
    invitation.token_hash = hash_token(token)
    invitation.token_sealed = link_keys.seal(token)


def enqueue(invitation: Invitation, kind: str) -> OutboxMessage:
    """Queue the mail of `kind`; the worker puts the invitation's link in when it sends it."""
    survey = invitation.survey
    mail = render_mail(survey, invitation, link_keys.LINK_PLACEHOLDER, kind)
    return outbox.enqueue_rendered(kind, invitation.email, mail.subject, mail.text, mail.html,
                                   reply_to=mail.reply_to, invitation_id=invitation.id)


def organisation_of(invitation: Invitation) -> str:
    """„Kita Sonnenschein“: how the audit log names an invitation (never by its address)."""
    return f"„{invitation.organisation}“" if invitation.organisation else f"Nr. {invitation.id} (ohne Organisation)"


def log(invitation: Invitation, action: str, text: str) -> None:
    """One audit entry about `invitation`; `text` says what happened, the organisation is added."""
    audit.record(invitation.survey.kommune_id, action, f"{text}: {organisation_of(invitation)}",
                 obj=invitation, survey_id=invitation.survey_id)


def _add_invitation(survey: Survey, address: str, organisation: str, contact_name: str, actor: Actor | None,
                    token_hash: str, taken: str) -> Invitation:
    """One invitation per address and per organisation and survey; `taken` words the refusal."""
    email = normalise_address(address)
    already = db.session.scalar(
        sa.select(Invitation).where(Invitation.survey_id == survey.id, sa.func.lower(Invitation.email) == email))
    if already is not None:
        raise SurveyError(f"{email} ist {taken}.")
    if actor is not None:
        already = db.session.scalar(
            sa.select(Invitation).where(Invitation.survey_id == survey.id, Invitation.actor_id == actor.id))
        if already is not None:
            raise SurveyError(f"{actor.name} ist {taken} ({already.email}).")
    invitation = Invitation(
        survey=survey,
        actor=actor,
        email=email,
        organisation=(organisation or (actor.name if actor else "")).strip()[:300],
        contact_name=(contact_name or (actor.contact_name if actor else "")).strip()[:200],
        token_hash=token_hash,
    )
    db.session.add(invitation)
    db.session.flush()
    log(invitation, "invitation.sent", "Einladung angelegt" if survey.is_draft else "Eingeladen")
    return invitation


def invite(survey: Survey, address: str, organisation: str = "", contact_name: str = "",
           actor: Actor | None = None) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail; returns the invitation and its (unstored) token."""
    require_open(survey)
    token = new_token()
    invitation = _add_invitation(survey, address, organisation, contact_name, actor, hash_token(token),
                                 "zu dieser Befragung bereits eingeladen")
    invitation.token_sealed = link_keys.seal(token)
    enqueue(invitation, "invitation")
    return invitation, token


def prepare(survey: Survey, address: str, organisation: str = "", contact_name: str = "",
            actor: Actor | None = None) -> Invitation:
    """An invitation for a draft survey, without mail: `send_prepared` queues it when the survey opens.

    Its token hash is a placeholder for a token nobody ever sees; opening issues the real one.
    """
    if not survey.is_draft:
        raise SurveyError("Einladungen vorbereiten geht nur, solange die Befragung ein Entwurf ist.")
    return _add_invitation(survey, address, organisation, contact_name, actor, hash_token(new_token()),
                           "für diese Befragung bereits vorgesehen")


def remove_prepared(invitation: Invitation) -> None:
    """Drop a prepared invitation of a draft survey (nothing was sent, so nothing is kept)."""
    if not invitation.survey.is_draft:
        raise SurveyError("Die Befragung ist geöffnet; ziehen Sie die Einladung stattdessen zurück.")
    log(invitation, "invitation.changed", "Vorbereitete Einladung entfernt")
    db.session.delete(invitation)
    db.session.flush()


def send_prepared(survey: Survey) -> int:
    """Queue the invitation mail of every prepared invitation of a just-opened survey; returns how many."""
    require_open(survey)
    has_mail = sa.select(OutboxMessage.invitation_id).where(OutboxMessage.invitation_id == Invitation.id).exists()
    prepared = db.session.scalars(sa.select(Invitation).where(
        Invitation.survey_id == survey.id, Invitation.status == InvitationStatus.CREATED, ~has_mail)
        .order_by(Invitation.id)).all()
    for invitation in prepared:
        set_token(invitation, new_token())
        enqueue(invitation, "invitation")
    if prepared:
        audit.record(survey.kommune_id, "invitation.sent", f"{len(prepared)} vorbereitete Einladungen verschickt",
                     obj=survey, survey_id=survey.id)
    db.session.flush()
    return len(prepared)


@dataclass
class CheckedEntry:
    """One pasted entry after checking: state is valid, invalid, duplicate or invited."""

    entry: PastedAddress
    email: str
    state: str
    reason: str = ""
    actor: Actor | None = None
    duplicate_of: int | None = None  # the row (1-based) this one repeats

    @property
    def organisation_label(self) -> str:
        return self.actor.name if self.actor else "neu"


STATE_LABELS = {
    "valid": "Gültig",
    "invalid": "Ungültig",
    "duplicate": "Doppelt in der Liste",
    "invited": "Bereits eingeladen",
}


def _actors_by_email(kommune_id: int, emails: Iterable[str]) -> dict[str, Actor]:
    emails = [e for e in set(emails) if e]
    if not emails:
        return {}
    actors = db.session.scalars(sa.select(Actor).where(
        Actor.kommune_id == kommune_id, sa.func.lower(Actor.email).in_(emails)).order_by(Actor.active.desc(), Actor.id))
    found: dict[str, Actor] = {}
    for actor in actors:
        found.setdefault(actor.email.lower(), actor)
    return found


def check_entries(survey: Survey, entries: list[PastedAddress]) -> list[CheckedEntry]:
    """Classify entries for the preview: valid (with register match), invalid, duplicate, invited."""
    normalised = [check_address(e.address) for e in entries]
    valid_emails = [email for email, reason in normalised if not reason]
    invited = set()
    if valid_emails:
        invited = set(db.session.scalars(sa.select(sa.func.lower(Invitation.email)).where(
            Invitation.survey_id == survey.id, sa.func.lower(Invitation.email).in_(set(valid_emails)))))
    actors = _actors_by_email(survey.kommune_id, valid_emails)
    seen: dict[str, int] = {}
    checked = []
    for index, (entry, (email, reason)) in enumerate(zip(entries, normalised, strict=True), start=1):
        if reason:
            checked.append(CheckedEntry(entry, email, "invalid", reason))
            continue
        actor = actors.get(email)
        if email in seen:
            checked.append(CheckedEntry(entry, email, "duplicate",
                                        f"Steht schon in Eintrag {seen[email]}.", actor, seen[email]))
        elif email in invited:
            checked.append(CheckedEntry(entry, email, "invited", "Ist zu dieser Befragung bereits eingeladen.", actor))
        else:
            checked.append(CheckedEntry(entry, email, "valid", "", actor))
        seen.setdefault(email, index)
    return checked


def check_paste(survey: Survey, text: str) -> list[CheckedEntry]:
    return check_entries(survey, parse_paste(text))


def invite_checked(survey: Survey, checked: list[CheckedEntry], add_to_register: bool = False) -> list[Invitation]:
    """Invite every valid entry; new organisations optionally go into the register."""
    require_open(survey)
    created = []
    for item in checked:
        if item.state != "valid":
            continue
        actor = item.actor
        if actor is None and add_to_register and item.entry.organisation:  # a register entry needs a name
            actor = Actor(kommune_id=survey.kommune_id, name=item.entry.organisation[:300],
                          contact_name=item.entry.name[:200], email=item.email)
            db.session.add(actor)
            db.session.flush()
        invitation, _token = invite(survey, item.email, item.entry.organisation, item.entry.name, actor)
        created.append(invitation)
    return created


def actors_for_invitation(survey: Survey, sector: str = "", district: str = "", provider_type: str = "") -> list[Actor]:
    """Active register entries with an address, matching the filter, not yet invited to `survey`."""
    invited = sa.select(Invitation.actor_id).where(Invitation.survey_id == survey.id, Invitation.actor_id.is_not(None))
    invited_emails = sa.select(sa.func.lower(Invitation.email)).where(Invitation.survey_id == survey.id)
    query = sa.select(Actor).where(
        Actor.kommune_id == survey.kommune_id, Actor.active.is_(True), Actor.email != "",
        Actor.id.not_in(invited), sa.func.lower(Actor.email).not_in(invited_emails),
    ).order_by(Actor.name)
    if sector:
        query = query.where(Actor.sector == sector)
    if provider_type:
        query = query.where(Actor.provider_type == provider_type)
    actors = list(db.session.scalars(query))
    if district:
        actors = [a for a in actors if district in (a.districts or [])]
    return actors


def invite_actors(survey: Survey, actor_ids: Iterable[int]) -> tuple[list[Invitation], list[str]]:
    """Invite register entries by id (of the survey's Kommune); returns invitations and German problems."""
    require_open(survey)
    ids = set(actor_ids)
    actors = list(db.session.scalars(sa.select(Actor).where(Actor.kommune_id == survey.kommune_id, Actor.id.in_(ids))
                                     .order_by(Actor.name))) if ids else []
    created, problems = [], []
    for actor in actors:
        try:
            invitation, _token = invite(survey, actor.email, actor=actor)
        except SurveyError as error:
            problems.append(f"{actor.name}: {error}")
        else:
            created.append(invitation)
    return created, problems


def invitations_of_survey(survey: Survey, status: str = "") -> list[Invitation]:
    """The survey's invitations (one query, no lazy loads needed by the list page)."""
    query = sa.select(Invitation).where(Invitation.survey_id == survey.id).order_by(
        sa.func.lower(Invitation.organisation), Invitation.email, Invitation.id)
    if status == "retrying":
        query = query.where(Invitation.status == InvitationStatus.CREATED, Invitation.failed_reason != "")
    elif status == "not_submitted":
        query = query.where(Invitation.status.in_(REMINDABLE))
    elif status:
        query = query.where(Invitation.status == InvitationStatus(status))
    return list(db.session.scalars(query))


@dataclass
class Counts:
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    retrying: int = 0

    def __getitem__(self, status: str) -> int:
        return self.by_status.get(status, 0)

    @property
    def active(self) -> int:
        """Invitations that are not withdrawn."""
        return self.total - self["withdrawn"]

    @property
    def invited(self) -> int:
        """The denominator of the response rate (`analysis.overview.rate_base`): invitations that reached someone."""
        return rate_base(self.by_status)

    @property
    def opened(self) -> int:
        """Organisations that opened their personal link at least once."""
        return sum(self[s] for s in OPENED)

    @property
    def started(self) -> int:
        """Organisations that saved or sent answers."""
        return self["in_progress"] + self["submitted"]

    @property
    def rate(self) -> float | None:
        """The response rate in percent (25.0 for a quarter), None while nobody was reached."""
        share = response_rate(self.by_status)
        return None if share is None else 100.0 * share

    @property
    def not_submitted(self) -> int:
        return self["sent"] + self["opened"] + self["in_progress"]


def counts(survey: Survey) -> Counts:
    """Invitations per status in one query."""
    result = Counts()
    retrying = sa.case((sa.and_(Invitation.status == InvitationStatus.CREATED, Invitation.failed_reason != ""), 1),
                       else_=0)
    rows = db.session.execute(sa.select(Invitation.status, sa.func.count(), sa.func.sum(retrying))
                              .where(Invitation.survey_id == survey.id).group_by(Invitation.status))
    for status, number, retry in rows:
        result.by_status[status.value] = number
        result.total += number
        result.retrying += int(retry or 0)
    return result


def invitation_of_survey(survey: Survey, invitation_id: int) -> Invitation | None:
    return db.session.scalar(sa.select(Invitation).where(Invitation.id == invitation_id,
                                                         Invitation.survey_id == survey.id))


def current_token(invitation: Invitation) -> str | None:
    """The invitation's valid token, unsealed (None when no key of the ring opens it any more).

    An invitation from before sealing has its token only in an outbox body: it is taken from
    there once and sealed (`flask links migrate` does that for all and cleans the bodies).
    """
    if invitation.token_sealed:
        token = link_keys.unseal(invitation.token_sealed)
        return token if token is not None and hash_token(token) == invitation.token_hash else None
    token = legacy_token(invitation)
    if token is not None:
        invitation.token_sealed = link_keys.seal(token)
    return token


def legacy_token(invitation: Invitation) -> str | None:
    """The token in a mail body written before links were sealed (verified against the hash)."""
    bodies = db.session.scalars(sa.select(OutboxMessage.body_text).where(
        OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind.in_(["invitation", "reminder", "link"]))
        .order_by(OutboxMessage.id.desc()))
    for body in bodies:
        for token in re.findall(r"/r/([A-Za-z0-9_-]{16,})", body):
            if hash_token(token) == invitation.token_hash:
                return token
    return None

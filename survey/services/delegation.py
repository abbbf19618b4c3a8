"""Passing an invitation on: the respondent hands the survey to a colleague (a new personal link for
the same invitation, mailed to the colleague; the old link then says where it went), the history of
addressees an invitation had, and masking an address for the old link's page.

The invitation keeps its response, so the answers saved so far stay with the organisation and the
colleague continues them. The old link stops opening the form (its hash is kept in `Delegation`
only to say to whom and when it was passed on): whoever still holds the old mail, a shared
mailbox for instance, can no longer read or change the colleague's answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .. import link_keys
from ..extensions import db
from ..models import Delegation, Invitation, InvitationStatus, OutboxMessage, OutboxStatus
from ..models.base import rowcount
from ..models.delegation import PLANNER, RESPONDENT
from . import audit, outbox
from .address_paste import check_address
from .invitations import set_token
from .tokens import hash_token, new_token

NAME_MAX = 200
NOTE_MAX = 1000
# A respondent cannot pass these on: the answers are sent, or the link is dead.
NOT_FROM = (InvitationStatus.SUBMITTED, InvitationStatus.WITHDRAWN)


class DelegationError(ValueError):
    """Problems per field (German), shown next to what the respondent typed."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass
class Colleague:
    name: str = ""
    email: str = ""
    note: str = ""
    sender: str = ""  # the respondent's own name for the mail (optional; else the invitation's contact)


def mask_address(address: str) -> str:
    """An address as the old link shows it: first letter of the local part and the domain ("m…@kita.de")."""
    local, at, domain = address.partition("@")
    if not at:
        return "…"
    return f"{local[:1]}…@{domain}"


def check(invitation: Invitation, colleague: Colleague) -> dict[str, str]:
    """Problems per field; normalises name, address and note in place when there are none."""
    problems: dict[str, str] = {}
    colleague.name = " ".join(colleague.name.split())
    colleague.note = colleague.note.strip()
    colleague.sender = " ".join(colleague.sender.split())
    if len(colleague.sender) > NAME_MAX:
        problems["sender"] = f"Ihr Name ist zu lang (höchstens {NAME_MAX} Zeichen, jetzt {len(colleague.sender)})."
    if not colleague.name:
        problems["name"] = "Bitte geben Sie den Namen Ihrer Kollegin oder Ihres Kollegen ein."
    elif len(colleague.name) > NAME_MAX:
        problems["name"] = f"Der Name ist zu lang (höchstens {NAME_MAX} Zeichen, jetzt {len(colleague.name)})."
    if not colleague.email.strip():
        problems["email"] = "Bitte geben Sie die E-Mail-Adresse ein, an die der neue Link gehen soll."
    else:
        email, reason = check_address(colleague.email)
        if reason:
            problems["email"] = f"„{colleague.email.strip()}“ ist keine gültige E-Mail-Adresse: {reason}"
        elif email == invitation.email.lower():
            problems["email"] = ("An diese Adresse ging die Einladung schon. Bitte geben Sie die Adresse Ihrer "
                                 "Kollegin oder Ihres Kollegen ein.")
        elif db.session.scalar(sa.select(Invitation.id).where(
                Invitation.survey_id == invitation.survey_id, sa.func.lower(Invitation.email) == email,
                Invitation.id != invitation.id)) is not None:
            problems["email"] = ("Diese Adresse hat schon eine eigene Einladung zu dieser Befragung. Bitte wenden "
                                 "Sie sich an die Ansprechperson der Befragung, wenn beide Einladungen "
                                 "zusammengehören.")
        else:
            colleague.email = email
    if len(colleague.note) > NOTE_MAX:
        problems["note"] = f"Die Nachricht ist zu lang (höchstens {NOTE_MAX} Zeichen, jetzt {len(colleague.note)})."
    return problems


def _cancel_mails_to_old_address(invitation: Invitation) -> None:
    """Queued mails of the invitation would carry the new link to the old address: cancelled."""
    rowcount(db.session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.invitation_id == invitation.id, OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.kind.in_(("invitation", "reminder", "link", "delegation"))).values(
            status=OutboxStatus.CANCELLED, last_error="Die Befragung wurde an eine Kollegin/einen Kollegen "
                                                      "weitergegeben.")))


def pass_on(invitation: Invitation, colleague: Colleague) -> Delegation:
    """The respondent passes the survey to a colleague: a new link for the same invitation, mailed to them.

    The old link stops working and shows the page "weitergegeben". Raises DelegationError.
    Adds and flushes; the caller commits (and the worker sends the mail after the commit).
    """
    if invitation.status in NOT_FROM or not invitation.survey.is_open:
        raise DelegationError({"": "Diese Einladung kann nicht mehr weitergegeben werden."})
    problems = check(invitation, colleague)
    if problems:
        raise DelegationError(problems)
    delegation = Delegation(invitation_id=invitation.id, source=RESPONDENT, old_token_hash=invitation.token_hash,
                            from_name=colleague.sender or invitation.contact_name, from_email=invitation.email,
                            to_name=colleague.name, to_email=colleague.email, note=colleague.note)
    db.session.add(delegation)
    _cancel_mails_to_old_address(invitation)
    set_token(invitation, new_token())
    invitation.email = colleague.email
    invitation.contact_name = colleague.name
    db.session.flush()
    survey = invitation.survey
    # The worker puts the invitation's (new) link in when it sends the mail (no token in the outbox).
    outbox.enqueue("delegation", colleague.email, "delegation", invitation_id=invitation.id, survey=survey,
                   invitation=invitation, delegation=delegation, link=link_keys.LINK_PLACEHOLDER)
    # No name or address in the log (entries cannot be erased on a data subject's request): the
    # history row holds them and is erased with the person.
    audit.record(survey.kommune_id, "invitation.delegated",
                 f"Einladung von „{invitation.organisation or 'Organisation ohne Namen'}“ über den persönlichen "
                 f"Link an eine Kollegin/einen Kollegen weitergegeben (Befragung „{survey.title}“).",
                 obj=invitation, survey_id=survey.id, after={"weitergabe": delegation.id})
    db.session.flush()
    return delegation


def record_planner_change(invitation: Invitation, old_email: str, old_name: str) -> Delegation:
    """A planner changed the addressee (same link): kept in the history the invitation page shows."""
    delegation = Delegation(invitation_id=invitation.id, source=PLANNER, old_token_hash=None,
                            from_name=old_name, from_email=old_email, to_name=invitation.contact_name,
                            to_email=invitation.email)
    db.session.add(delegation)
    db.session.flush()
    return delegation


def passed_on_from(token: str) -> Delegation | None:
    """The delegation that ended this link, if it was passed on (None for any other unknown link)."""
    return db.session.scalar(sa.select(Delegation).where(Delegation.old_token_hash == hash_token(token)))


def history(invitation: Invitation) -> list[Delegation]:
    """Every change of the invitation's addressee, newest first."""
    return list(db.session.scalars(sa.select(Delegation).where(Delegation.invitation_id == invitation.id)
                                   .order_by(Delegation.id.desc())))

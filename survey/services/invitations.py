"""Inviting organisations to a survey: one invitation each, its mail written to the outbox."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from ..extensions import db
from ..models import Actor, Invitation, InvitationStatus, Survey
from . import outbox
from .surveys import SurveyError
from .tokens import hash_token, new_token


def respondent_link(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/r/{token}"


def normalise_address(address: str) -> str:
    """The address in canonical form; raises SurveyError with a German reason when it is invalid."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise SurveyError(f"„{address.strip()}“ ist keine gültige E-Mail-Adresse ({error}).") from None


def find_by_token(token: str) -> Invitation | None:
    """The invitation of `token`, unless it was withdrawn or replaced by a new link."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.status is InvitationStatus.WITHDRAWN:
        return None
    return invitation


def invitations_of_survey(survey: Survey) -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey.id).order_by(Invitation.id)))


def invite(survey: Survey, address: str, organisation: str = "", contact_name: str = "",
           actor: Actor | None = None) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail; returns the invitation and its (unstored) token."""
    if not survey.is_open:
        raise SurveyError("Einladungen können erst verschickt werden, wenn die Befragung geöffnet ist.")
    email = normalise_address(address)
    already = db.session.scalar(
        sa.select(Invitation).where(Invitation.survey_id == survey.id, Invitation.email == email)
    )
    if already is not None:
        raise SurveyError(f"{email} ist zu dieser Befragung bereits eingeladen.")
    token = new_token()
    invitation = Invitation(
        survey_id=survey.id,
        actor=actor,
        email=email,
        organisation=organisation or (actor.name if actor else ""),
        contact_name=contact_name or (actor.contact_name if actor else ""),
        token_hash=hash_token(token),
    )
    db.session.add(invitation)
    db.session.flush()
    outbox.enqueue(
        "invitation",
        email,
        "invitation",
        reply_to=survey.contact_email,
        invitation_id=invitation.id,
        survey=survey,
        invitation=invitation,
        link=respondent_link(token),
    )
    return invitation, token

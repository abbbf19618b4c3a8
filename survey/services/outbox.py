"""Writing e-mails into the outbox: rendered from templates/email/<name>/ in the caller's transaction.

A mail with a personal link is rendered with `link_keys.LINK_PLACEHOLDER` in its place and names
where the link comes from (its invitation, or `account_token_id`); the mail worker fills it in
when it sends (`services/links.py`), so no outbox row holds a usable token.
"""

from __future__ import annotations

import email.utils
from typing import Any

from flask import current_app, render_template

from ..extensions import db
from ..models import Invitation, OutboxMessage, Survey, User


def render_email(name: str, **context: Any) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the e-mail template `name`."""
    subject = render_template(f"email/{name}/subject.txt", **context).strip()
    text = render_template(f"email/{name}/body.txt", **context)
    html = render_template(f"email/{name}/body.html", **context)
    return " ".join(subject.split()), text, html


def reply_address(survey: Survey) -> str:
    """Where a respondent's reply goes: the survey's contact, else the planner who made the survey."""
    if survey.contact_email:
        return survey.contact_email
    creator = db.session.get(User, survey.created_by_id) if survey.created_by_id else None
    return creator.email if creator else ""


def new_message_id() -> str:
    domain = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return email.utils.make_msgid(domain=domain or "lueckenlos.invalid")


def enqueue(
    kind: str,
    recipient: str,
    template: str,
    *,
    reply_to: str = "",
    invitation_id: int | None = None,
    sender_name: str | None = None,
    account_token_id: int | None = None,
    **context: Any,
) -> OutboxMessage:
    """Add a rendered e-mail to the outbox; it is delivered after the caller's commit."""
    subject, text, html = render_email(template, **context)
    return enqueue_rendered(kind, recipient, subject, text, html, reply_to=reply_to, invitation_id=invitation_id,
                            sender_name=sender_name, account_token_id=account_token_id)


def enqueue_rendered(
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    *,
    reply_to: str = "",
    invitation_id: int | None = None,
    sender_name: str | None = None,
    account_token_id: int | None = None,
) -> OutboxMessage:
    """Add an already rendered e-mail to the outbox (same transaction as the caller's change).

    `sender_name` is the From display name; for a mail about an invitation it defaults to the
    sender name of the survey's Kommune (its settings), so every respondent mail carries it, and
    `reply_to` to `reply_address` of its survey (a confirmation of a survey without a contact
    address still has somewhere to reply to).
    """
    invitation = db.session.get(Invitation, invitation_id) if invitation_id is not None else None
    if sender_name is None:
        sender_name = invitation.survey.kommune.mail_sender_name if invitation else ""
    if not reply_to and invitation is not None:
        reply_to = reply_address(invitation.survey)
    message = OutboxMessage(
        sender_name=sender_name or "",
        kind=kind,
        recipient=recipient,
        reply_to=reply_to,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=new_message_id(),
        invitation_id=invitation_id,
        account_token_id=account_token_id,
    )
    db.session.add(message)
    db.session.flush()
    return message

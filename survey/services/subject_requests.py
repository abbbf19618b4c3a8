"""Requests of data subjects (GDPR Art. 15 and 17): find one person across the Kommune's data, export
what is held about them, and delete or anonymise it.

A person is searched by name or e-mail address (case-insensitive, part of it is enough, at least
three characters) in: register contacts (`Actor.contact_name/email/phone` and the further contact
persons, `ActorContact`), invitations (address, contact person), the history of an invitation's
addressees (`Delegation`: who passed it on to whom, with the note), the outbox (recipient, reply
address, bodies: greetings name the person) and the demo mailbox's copies, bounce reports, the
contact-person answers (`results.CONTACT_KEYS`), the pseudonym table (digests of addresses) and the
Kommune's staff accounts. Only rows of the admin's
own Kommune are searched. The application log never holds names or addresses (paths are masked,
users appear by id, jobs log counts), so it needs no search; mail relays' logs are outside the app.

Deleting clears the person's fields and keeps the organisation: its name, the invitation's states
and every answer other than the contact person stay (the organisation's answers are not the
person's data). Staff accounts are not deleted here: an admin disables or renames them on the
user page, because an account also records who did what. Functions add and flush; views commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import (
    Actor,
    ActorContact,
    BounceReport,
    Delegation,
    Invitation,
    Kommune,
    OutboxMessage,
    OutboxStatus,
    Pseudonym,
    Response,
    Survey,
    User,
)
from ..models.user import AccountToken
from . import accessibility, audit, pseudonyms, retention

MIN_LENGTH = 3


class RequestError(ValueError):
    """A German message for the admin; nothing was searched or changed."""


@dataclasses.dataclass
class Holdings:
    """Everything found about one person in one Kommune."""

    term: str
    actors: list[Actor] = dataclasses.field(default_factory=list)
    contacts: list[ActorContact] = dataclasses.field(default_factory=list)  # further contact persons
    delegations: list[Delegation] = dataclasses.field(default_factory=list)  # addressee history
    invitations: list[Invitation] = dataclasses.field(default_factory=list)
    mails: list[OutboxMessage] = dataclasses.field(default_factory=list)
    bounces: list[BounceReport] = dataclasses.field(default_factory=list)
    answers: list[tuple[Response, list[str]]] = dataclasses.field(default_factory=list)  # (response, contact keys)
    pseudonyms: list[Pseudonym] = dataclasses.field(default_factory=list)
    users: list[User] = dataclasses.field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.actors or self.contacts or self.delegations or self.invitations or self.mails
                    or self.bounces or self.answers or self.pseudonyms or self.users)

    @property
    def deletable(self) -> bool:
        return not (self.empty or (self.users and not (self.actors or self.contacts or self.delegations
                                                       or self.invitations or self.mails or self.bounces
                                                       or self.answers or self.pseudonyms)))


def _clean(term: str) -> str:
    term = " ".join(term.split())
    if len(term) < MIN_LENGTH:
        raise RequestError(f"Bitte geben Sie mindestens {MIN_LENGTH} Zeichen eines Namens oder einer "
                           "E-Mail-Adresse ein.")
    if len(term) > 254:
        raise RequestError("Bitte geben Sie höchstens 254 Zeichen ein.")
    return term


def _like(column: Any, term: str) -> Any:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def _contact_keys(response: Response, needle: str) -> list[str]:
    """The contact-person answers of a response (typed or draft) that mention the person."""
    found = []
    for values in (response.answers or {}, response.draft or {}):
        for key, value in values.items():
            if retention.is_contact_key(key) and needle in " ".join(map(str, value if isinstance(value, list)
                                                                          else [value])).lower():
                found.append(key)
    return sorted(set(found))


def _find(kommune: Kommune, term: str, held: Holdings) -> None:
    """Add to `held` every place of `kommune` whose person fields contain `term`."""
    needle = term.lower()
    surveys = sa.select(Survey.id).where(Survey.kommune_id == kommune.id).scalar_subquery()
    held.actors += list(db.session.scalars(sa.select(Actor).where(
        Actor.kommune_id == kommune.id,
        sa.or_(_like(Actor.contact_name, term), _like(Actor.email, term), _like(Actor.phone, term)))
        .order_by(Actor.name)))
    held.contacts += list(db.session.scalars(sa.select(ActorContact).join(Actor).where(
        Actor.kommune_id == kommune.id, sa.or_(_like(ActorContact.name, term), _like(ActorContact.email, term),
                                               _like(ActorContact.phone, term)))
        .order_by(ActorContact.id)))
    held.invitations += list(db.session.scalars(sa.select(Invitation).where(
        Invitation.survey_id.in_(surveys), sa.or_(_like(Invitation.email, term), _like(Invitation.contact_name, term)))
        .order_by(Invitation.id)))
    invitations = sa.select(Invitation.id).where(Invitation.survey_id.in_(surveys)).scalar_subquery()
    held.delegations += list(db.session.scalars(sa.select(Delegation).where(
        Delegation.invitation_id.in_(invitations),
        sa.or_(*(_like(column, term) for column in (Delegation.from_name, Delegation.from_email, Delegation.to_name,
                                                    Delegation.to_email, Delegation.note))))
        .order_by(Delegation.id)))
    staff = sa.select(User.id).where(User.kommune_id == kommune.id).scalar_subquery()
    tokens = sa.select(AccountToken.id).where(AccountToken.user_id.in_(staff)).scalar_subquery()
    own_mail = sa.or_(OutboxMessage.invitation_id.in_(invitations), OutboxMessage.account_token_id.in_(tokens),
                      sa.and_(OutboxMessage.kind == "accessibility_feedback",
                              OutboxMessage.recipient.in_(accessibility.recipients(kommune) or [""])))
    held.mails += list(db.session.scalars(sa.select(OutboxMessage).where(
        own_mail, sa.or_(_like(OutboxMessage.recipient, term), _like(OutboxMessage.reply_to, term),
                         _like(OutboxMessage.body_text, term))).order_by(OutboxMessage.id)))
    held.bounces += list(db.session.scalars(sa.select(BounceReport).where(
        BounceReport.kommune_id == kommune.id,
        sa.or_(_like(BounceReport.recipient, term), _like(BounceReport.raw, term),
               _like(BounceReport.diagnostic, term))).order_by(BounceReport.id)))
    for response in db.session.scalars(sa.select(Response).where(Response.survey_id.in_(surveys))
                                       .order_by(Response.id)):
        keys = _contact_keys(response, needle)
        if keys:
            held.answers.append((response, keys))
    if "@" in term:
        held.pseudonyms += list(db.session.scalars(sa.select(Pseudonym).where(
            Pseudonym.series_id.in_(surveys), Pseudonym.subject == pseudonyms.address_subject(term))))
    held.users += list(db.session.scalars(sa.select(User).where(
        User.kommune_id == kommune.id, sa.or_(_like(User.email, term), _like(User.display_name, term)))
        .order_by(User.display_name)))


def _unique(rows: list[Any]) -> list[Any]:
    """Rows found by several terms, once each (first place kept)."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        if id(row) not in seen:
            seen.add(id(row))
            kept.append(row)
    return kept


def _merged(answers: list[tuple[Response, list[str]]]) -> list[tuple[Response, list[str]]]:
    """One entry per response, with every contact key any term found in it."""
    keys: dict[int, tuple[Response, set[str]]] = {}
    for response, found in answers:
        keys.setdefault(response.id, (response, set()))[1].update(found)
    return [(response, sorted(found)) for response, found in keys.values()]


def search(kommune: Kommune, term: str) -> Holdings:
    """Every place of `kommune` that holds the person named by `term` (a name or an address, or part of one).

    The register entries and invitations found name the person's other identifier (the address to
    a name, the name to an address): those are searched too, so either one finds everything."""
    term = _clean(term)
    held = Holdings(term=term)
    _find(kommune, term, held)
    linked = {value for value in _identifiers(held)
              if len(value.strip()) >= MIN_LENGTH and value.strip().lower() != term.lower()}
    for other in sorted(linked):
        _find(kommune, other, held)
    for name in ("actors", "contacts", "delegations", "invitations", "mails", "bounces", "pseudonyms", "users"):
        setattr(held, name, _unique(getattr(held, name)))
    held.answers = _merged(held.answers)
    return held


def _identifiers(held: Holdings) -> list[str]:
    """The names and addresses of the person in what was found (the term itself included)."""
    named: list[Actor | Invitation] = [*held.actors, *held.invitations]
    values = [held.term] + [value for row in named for value in (row.email, row.contact_name)]
    values += [value for c in held.contacts for value in (c.email, c.name)]
    values += [value for d in held.delegations for value in _person_of(d, held.term)]
    return values


def _person_of(delegation: Delegation, term: str) -> tuple[str, ...]:
    """The name and address of the side of a history row that `term` found (both when only the note did)."""
    needle = term.lower()
    sides = [(delegation.from_name, delegation.from_email), (delegation.to_name, delegation.to_email)]
    found = [side for side in sides if any(needle in value.lower() for value in side)]
    return tuple(value for side in found for value in side)


def _when(value: dt.datetime | None) -> str:
    return fmt.datetime(value) if value else ""


def export(held: Holdings) -> dict[str, Any]:
    """What is held, as a German-labelled document for the person (Art. 15): the fields found, no tokens."""
    return {
        "Suchbegriff": held.term,
        "Akteursverzeichnis": [{"Organisation": a.name, "Ansprechperson": a.contact_name, "E-Mail": a.email,
                                "Telefon": a.phone, "zuletzt bestätigt": _when(a.contact_confirmed_at)}
                               for a in held.actors],
        "Weitere Ansprechpersonen im Akteursverzeichnis": [
            {"Organisation": c.actor.name, "Name": c.name, "Funktion": c.role, "E-Mail": c.email, "Telefon": c.phone}
            for c in held.contacts],
        "Weitergaben von Einladungen": [
            {"Befragung": d.invitation.survey.title, "Organisation": d.invitation.organisation,
             "am": _when(d.created_at), "von": f"{d.from_name} {d.from_email}".strip(),
             "an": f"{d.to_name} {d.to_email}".strip(), "Nachricht": d.note} for d in held.delegations],
        "Einladungen": [{"Befragung": i.survey.title, "Organisation": i.organisation, "E-Mail": i.email,
                         "Ansprechperson": i.contact_name, "Stand": i.status.label,
                         "eingeladen am": _when(i.created_at)} for i in held.invitations],
        "E-Mails": [{"Betreff": m.subject, "an": m.recipient, "Antwort an": m.reply_to, "Art": m.kind,
                     "erstellt am": _when(m.created_at), "versendet am": _when(m.sent_at), "Text": m.body_text}
                    for m in held.mails],
        "Rückläufer": [{"empfangen am": _when(b.received_at), "Empfänger": b.recipient, "Betreff": b.subject,
                        "Meldung": b.diagnostic} for b in held.bounces],
        "Antworten zur Ansprechperson": [
            {"Befragung": r.invitation.survey.title, "Organisation": r.invitation.organisation,
             "Angaben": {k: (r.answers or r.draft or {}).get(k) for k in keys}} for r, keys in held.answers],
        "Pseudonyme (Prüfsummen der Adresse)": len(held.pseudonyms),
        "Benutzerkonten": [{"Name": u.display_name, "E-Mail": u.email, "Rolle": u.role.label,
                            "angelegt am": _when(u.created_at)} for u in held.users],
    }


@dataclasses.dataclass
class Erased:
    actors: int = 0
    contacts: int = 0
    delegations: int = 0
    invitations: int = 0
    mails: int = 0
    bounces: int = 0
    answers: int = 0
    pseudonyms: int = 0


def erase(kommune: Kommune, term: str) -> Erased:
    """Delete or anonymise every place `search` finds (staff accounts excepted); answers of the organisation stay."""
    held = search(kommune, term)
    done = Erased()
    for actor in held.actors:
        retention.clear_actor_contact(actor)
        done.actors += 1
    for contact in held.contacts:
        db.session.delete(contact)
        done.contacts += 1
    needles = {v.strip().lower() for v in _identifiers(held) if len(v.strip()) >= MIN_LENGTH}
    for delegation in held.delegations:
        for name, email in (("from_name", "from_email"), ("to_name", "to_email")):
            side = (getattr(delegation, name), getattr(delegation, email))
            if any(n in value.lower() for n in needles for value in side if value):
                setattr(delegation, name, "")
                setattr(delegation, email, "")
        delegation.note = ""  # the note may name the person; it is not the organisation's answer
        done.delegations += 1
    for invitation in held.invitations:
        invitation.email = invitation.contact_name = ""
        invitation.token_sealed = None  # no mail can reach the person any more
        done.invitations += 1
    for mail in held.mails:
        if mail.status is OutboxStatus.PENDING:  # a waiting mail would go to an empty address
            mail.status = OutboxStatus.CANCELLED
        mail.recipient = mail.reply_to = ""
        mail.body_text = mail.body_html = ""
        done.mails += 1
    retention.delete_mailbox_files([m.id for m in held.mails])
    for report in held.bounces:
        report.recipient = report.raw = report.diagnostic = ""
        done.bounces += 1
    for response, keys in held.answers:
        if response.answers is not None:
            response.answers = {k: v for k, v in response.answers.items() if k not in keys}
        response.draft = {k: v for k, v in (response.draft or {}).items() if k not in keys}
        done.answers += 1
    for row in held.pseudonyms:
        db.session.delete(row)
        done.pseudonyms += 1
    # The log names no person: it says that a request was carried out and how much it reached.
    audit.record(kommune.id, "subject.request",
                 f"Angaben zu einer Person gelöscht bzw. unkenntlich gemacht: {done.actors} Einträge im "
                 f"Akteursverzeichnis, {done.invitations} Einladungen, {done.mails} E-Mails, {done.bounces} "
                 f"Rückläufer, {done.answers} Antworten, {done.pseudonyms} Pseudonyme")
    db.session.flush()
    retention.empty_log_after_commit()
    return done

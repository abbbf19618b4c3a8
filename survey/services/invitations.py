"""Inviting organisations to a survey and following up: one invitation each, every mail via the outbox.

Mail texts are the planner's own (per survey, with {Platzhalter}) or the German defaults below.
Rendering fails loudly on an unknown placeholder, so no mail ever leaves with "{Something}" in it.

The respondent link is shown only in mails. The token is stored as its hash (the lookup) and
sealed with the link keyring (`survey/link_keys.py`); a resend or a reminder reuses the sealed
token, and outbox bodies carry a placeholder that the mail worker fills in when it sends. Only
when no key opens the seal any more (or an invitation from before sealing lost its mail) a new
link is issued, which invalidates the old one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from markupsafe import Markup, escape

from analysis.overview import OPENED, rate_base, response_rate
from questionnaires import formatting as fmt

from .. import link_keys
from ..extensions import db
from ..models import Actor, Invitation, InvitationStatus, OutboxMessage, OutboxStatus, Survey, SurveyState, utc_now
from ..models.invitation import REMINDABLE
from . import outbox
from .address_paste import PastedAddress, check_address, parse_paste
from .survey_pages import answering_minutes, pages_with_questions
from .surveys import SurveyError
from .tokens import hash_token, new_token


PLACEHOLDERS = {
    "Anrede": "„Guten Tag Anna Becker“ oder „Guten Tag“, wenn keine Ansprechperson bekannt ist",
    "Organisation": "Name der eingeladenen Organisation (sonst „Ihre Organisation“)",
    "Ansprechperson": "Name der Ansprechperson (kann leer sein)",
    "Befragung": "Titel der Befragung",
    "Kommune": "Name Ihrer Kommune ohne Artikel, z. B. „Kreis Düren“ (für Betreff und Unterschrift)",
    "Kommune_Satzanfang": "der Name mit Artikel am Satzanfang, z. B. „Der Kreis Düren“ / „Die Stadt Wuppertal“",
    "Kommune_Artikel": "der Name mit Artikel im Satz, z. B. „der Kreis Düren“ / „die Stadt Wuppertal“",
    "Kommune_genitiv": "z. B. „des Kreises Düren“ / „der Stadt Wuppertal“ (Eine Befragung …)",
    "Kommune_von": "z. B. „vom Kreis Düren“ / „von der Stadt Wuppertal“",
    "Kommune_bei": "z. B. „beim Kreis Düren“ / „bei der Stadt Wuppertal“",
    "Frist": "Antwortfrist als Datum, z. B. 15.12.2026 (oder „keine feste Frist“)",
    "Fristsatz": "„Bitte antworten Sie bis zum 15. Dezember 2026.“ – leer, wenn es keine Frist gibt",
    "Echtheit": "ein Satz, wie man prüft, ob die Einladung echt ist (die öffentliche Liste der laufenden Befragungen "
                "Ihrer Kommune, ein Anruf unter der Nummer aus den Einstellungen der Kommune)",
    "Zeitaufwand": "geschätzte Zeit zum Ausfüllen, z. B. „etwa 15 Minuten“ (wie auf der Startseite der Befragung)",
    "Link": "der persönliche Link zur Befragung (Pflicht)",
    "Einleitung": "die Einleitung der Befragung",
    "Kontakt": "Ansprechperson für Rückfragen mit E-Mail und Telefon",
    "Absender": "Ihr Name (Ansprechperson der Befragung) oder der Name der Kommune",
}

# How to decline, in every invitation and reminder: a reply reaches the planner (Reply-To), the page
# behind the link has "Ich möchte nicht teilnehmen"; either way no reminder follows.
_VOLUNTARY = ("Die Teilnahme ist freiwillig. Wenn Ihre Organisation nicht teilnehmen möchte, antworten Sie kurz "
              "auf diese E-Mail oder wählen Sie auf der Seite hinter dem Link „Ich möchte nicht teilnehmen“. "
              "Dann erhalten Sie keine Erinnerungen.")

DEFAULT_TEXTS = {
    "invitation": (
        "{Kommune}: Einladung zur Befragung „{Befragung}“",
        """{Anrede},

{Kommune_Artikel} lädt {Organisation} zur Befragung „{Befragung}“ ein.

{Einleitung}

Das Ausfüllen dauert {Zeitaufwand}. {Fristsatz}

Ihr persönlicher Link zur Befragung:
{Link}

Sie können Ihre Antworten zwischenspeichern und später über diesen Link weitermachen. Bitte geben Sie den Link nicht weiter: er gilt nur für Ihre Organisation.

""" + _VOLUNTARY + """

{Echtheit}

Bei Fragen: {Kontakt}

Mit freundlichen Grüßen
{Absender}""",
    ),
    "reminder": (
        "{Kommune}: Erinnerung an die Befragung „{Befragung}“",
        """{Anrede},

{Organisation} wurde vor einiger Zeit {Kommune_von} zur Befragung „{Befragung}“ eingeladen. Ihre Antworten sind bei uns noch nicht angekommen.

Falls Sie inzwischen geantwortet haben, danken wir Ihnen herzlich: Dann hat sich diese Erinnerung überschnitten und Sie müssen nichts weiter tun.

Wenn Sie schon begonnen haben: Ihre bisherigen Antworten sind gespeichert. Über Ihren persönlichen Link können Sie direkt weitermachen:
{Link}

{Fristsatz}

""" + _VOLUNTARY + """

Bei Fragen: {Kontakt}

Mit freundlichen Grüßen
{Absender}""",
    ),
}

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_LOOKUP = {name.lower(): name for name in PLACEHOLDERS}


class TemplateError(SurveyError):
    """A mail text uses a placeholder that does not exist (German message for the planner)."""


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


# --- mail texts -----------------------------------------------------------------------------------


def check_template(text: str, *, require_link: bool = False) -> list[str]:
    """German problems of a mail text: unknown placeholders, a missing {Link}."""
    problems = []
    names = set()
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) is None:
            continue
        name = match.group(1).strip()
        if name.lower() not in _LOOKUP:
            problems.append(f"Den Platzhalter {{{name}}} gibt es nicht. Möglich sind: "
                            + ", ".join(f"{{{n}}}" for n in PLACEHOLDERS) + ".")
        else:
            names.add(_LOOKUP[name.lower()])
    if require_link and "Link" not in names:
        problems.append("Der Text muss den Platzhalter {Link} enthalten, sonst erhält niemand seinen persönlichen Link.")
    return problems


def fill(text: str, values: dict[str, str], escape_values: bool = False, raw: dict[str, str] | None = None) -> str:
    """Replace every {Platzhalter}; an unknown one raises TemplateError ("{{" and "}}" are literal braces).

    With `escape_values` every value is HTML-escaped except the link and the ready-made HTML in `raw`."""
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = _LOOKUP.get(match.group(1).strip().lower())
        if name is None:
            raise TemplateError(f"Den Platzhalter {token} gibt es nicht.")
        if raw and name in raw:
            return raw[name]
        return str(escape(values[name])) if escape_values and name != "Link" else values[name]

    return _PLACEHOLDER.sub(replace, text)


def texts_of(survey: Survey, kind: str) -> tuple[str, str]:
    """(subject, body) the planner wrote for `kind`, or the defaults."""
    default_subject, default_body = DEFAULT_TEXTS[kind]
    if kind == "invitation":
        return survey.invitation_subject or default_subject, survey.invitation_text or default_body
    return survey.reminder_subject or default_subject, survey.reminder_text or default_body


def placeholder_values(survey: Survey, invitation: Invitation, link: str) -> dict[str, str]:
    forms = survey.kommune.forms
    contact = ", ".join(p for p in (
        survey.contact_name or survey.kommune.display_name,
        survey.contact_email,
        f"Tel. {survey.contact_phone}" if survey.contact_phone else "",
    ) if p)
    return {
        "Anrede": f"Guten Tag {invitation.contact_name}" if invitation.contact_name else "Guten Tag",
        "Organisation": invitation.organisation or "Ihre Organisation",
        "Ansprechperson": invitation.contact_name,
        "Befragung": survey.title,
        "Kommune": forms.plain,
        "Kommune_Satzanfang": forms.initial,
        "Kommune_Artikel": forms.nominative,
        "Kommune_genitiv": forms.genitive,
        "Kommune_von": forms.von,
        "Kommune_bei": forms.bei,
        "Frist": fmt.date(survey.deadline) if survey.deadline else "keine feste Frist",
        "Fristsatz": deadline_sentence(survey),
        "Echtheit": genuineness_sentence(survey),
        "Zeitaufwand": f"etwa {answering_minutes(pages_with_questions(survey))} Minuten",
        "Link": link,
        "Einleitung": survey.introduction.strip(),
        "Kontakt": contact,
        "Absender": survey.contact_name or forms.plain,
    }


def deadline_sentence(survey: Survey) -> str:
    """ "Bitte antworten Sie bis zum 15. Dezember 2026." – nothing when the survey has no deadline."""
    return f"Bitte antworten Sie bis zum {fmt.long_date(survey.deadline)}." if survey.deadline else ""


def open_surveys_url(kommune_id: int) -> str:
    """The public page listing the Kommune's open surveys (titles only), named in every invitation."""
    return f"{current_app.config['BASE_URL']}/befragungen/{kommune_id}"


def genuineness_sentence(survey: Survey) -> str:
    """How to check that the invitation is genuine, by something a respondent can do without trusting the mail:
    look the survey up on the instance's public list, or call the Kommune on a number they can look up."""
    kommune = survey.kommune
    forms = kommune.forms
    whom = survey.contact_name or f"der Befragung „{survey.title}“"
    office = f" ({kommune.office})" if kommune.office else ""
    where = (f"auf {kommune.website_shown}" if kommune.website
             else f"im Telefonverzeichnis auf der Website {forms.genitive}")
    number = f"Tel. {kommune.phone}, die Nummer steht auch {where}" if kommune.phone else f"die Nummer steht {where}"
    return (f"Ob diese Einladung echt ist, können Sie selbst prüfen: Alle laufenden Befragungen {forms.genitive} "
            f"stehen unter {open_surveys_url(kommune.id)}. Oder rufen Sie {forms.bei}{office} an ({number}) "
            f"und fragen Sie nach {whom}.")


def _tidy(text: str) -> str:
    """No spaces at line ends (an empty placeholder) and at most one empty line in a row."""
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _html_body(body: str, values: dict[str, str], contact_email: str = "") -> Markup:
    """Paragraphs of the escaped text; the link becomes a button and a visible address."""
    link = values["Link"]
    link_html = (
        f'<a href="{escape(link)}" style="display: inline-block; background-color: #0b5394; color: #ffffff; '
        f'padding: 10px 18px; text-decoration: none; border-radius: 4px;">Zur Befragung</a><br>'
        f'<a href="{escape(link)}" style="color: #0b5394; overflow-wrap: anywhere; word-break: break-all;">'
        f'{escape(link)}</a>'
    )
    contact = str(escape(values["Kontakt"]))
    if contact_email:  # a mailto: link, as everywhere else
        address = str(escape(contact_email))
        contact = contact.replace(address, f'<a href="mailto:{address}" style="color: #0b5394;">{address}</a>', 1)
    html_values = dict(values, Link=link_html)
    rendered = fill(str(escape(body)), html_values, escape_values=True, raw={"Kontakt": contact})
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", rendered) if p.strip()]
    return Markup("\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str
    reply_to: str


def render_mail(survey: Survey, invitation: Invitation, link: str, kind: str = "invitation",
                subject: str | None = None, body: str | None = None) -> RenderedMail:
    """The mail for one recipient (both parts); `subject`/`body` override the survey's texts (preview)."""
    saved_subject, saved_body = texts_of(survey, kind)
    subject = subject if subject is not None and subject.strip() else saved_subject
    body = body if body is not None and body.strip() else saved_body
    values = placeholder_values(survey, invitation, link)
    subject_text = " ".join(fill(subject, values).split())
    text = _tidy(fill(body.replace("\r\n", "\n"), values)) + "\n"
    html_body = _html_body(body.replace("\r\n", "\n"), values, survey.contact_email)
    template = "invitation" if kind == "invitation" else "reminder"
    return RenderedMail(
        subject=subject_text,
        text=render_template(f"email/{template}/body.txt", body=text, signature=survey.kommune.mail_signature,
                             statement_for=survey.kommune),
        html=render_template(f"email/{template}/body.html", body_html=html_body, subject=subject_text,
                             signature=survey.kommune.mail_signature, statement_for=survey.kommune),
        reply_to=reply_address(survey),
    )


reply_address = outbox.reply_address


def save_texts(survey: Survey, invitation_subject: str, invitation_text: str, reminder_subject: str,
               reminder_text: str, remind_days_before: int | None) -> None:
    """Store the planner's texts (empty = default); raises TemplateError listing every problem."""
    problems = (check_template(invitation_subject) + check_template(invitation_text, require_link=bool(invitation_text.strip()))
                + check_template(reminder_subject) + check_template(reminder_text, require_link=bool(reminder_text.strip())))
    if remind_days_before is not None and not 0 <= remind_days_before <= 90:
        problems.append("Die Erinnerung kann 0 bis 90 Tage vor der Frist verschickt werden.")
    if problems:
        raise TemplateError(" ".join(dict.fromkeys(problems)))
    defaults = DEFAULT_TEXTS
    survey.invitation_subject = "" if invitation_subject.strip() == defaults["invitation"][0] else invitation_subject.strip()
    survey.invitation_text = "" if _same(invitation_text, defaults["invitation"][1]) else invitation_text.strip()
    survey.reminder_subject = "" if reminder_subject.strip() == defaults["reminder"][0] else reminder_subject.strip()
    survey.reminder_text = "" if _same(reminder_text, defaults["reminder"][1]) else reminder_text.strip()
    if survey.remind_days_before != remind_days_before:
        survey.scheduled_reminder_sent_at = None
    survey.remind_days_before = remind_days_before
    db.session.flush()


def _same(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.strip()


# --- inviting --------------------------------------------------------------------------------------


def _require_open(survey: Survey) -> None:
    if not survey.is_open:
        raise SurveyError("Einladungen können erst verschickt werden, wenn die Befragung geöffnet ist.")


def _set_token(invitation: Invitation, token: str) -> None:
    """Give the invitation this link: its hash for the lookup, the sealed token for later mails."""
    invitation.token_hash = hash_token(token)
    invitation.token_sealed = link_keys.seal(token)


def _enqueue(invitation: Invitation, kind: str) -> OutboxMessage:
    """Queue the mail of `kind`; the worker puts the invitation's link in when it sends it."""
    survey = invitation.survey
    mail = render_mail(survey, invitation, link_keys.LINK_PLACEHOLDER, kind)
    return outbox.enqueue_rendered(kind, invitation.email, mail.subject, mail.text, mail.html,
                                   reply_to=mail.reply_to, invitation_id=invitation.id)


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
    return invitation


def invite(survey: Survey, address: str, organisation: str = "", contact_name: str = "",
           actor: Actor | None = None) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail; returns the invitation and its (unstored) token."""
    _require_open(survey)
    token = new_token()
    invitation = _add_invitation(survey, address, organisation, contact_name, actor, hash_token(token),
                                 "zu dieser Befragung bereits eingeladen")
    invitation.token_sealed = link_keys.seal(token)
    _enqueue(invitation, "invitation")
    return invitation, token


# --- prepared invitations (a follow-up wave, before it is opened) ------------------------------------


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
    db.session.delete(invitation)
    db.session.flush()


def send_prepared(survey: Survey) -> int:
    """Queue the invitation mail of every prepared invitation of a just-opened survey; returns how many."""
    _require_open(survey)
    has_mail = sa.select(OutboxMessage.invitation_id).where(OutboxMessage.invitation_id == Invitation.id).exists()
    prepared = db.session.scalars(sa.select(Invitation).where(
        Invitation.survey_id == survey.id, Invitation.status == InvitationStatus.CREATED, ~has_mail)
        .order_by(Invitation.id)).all()
    for invitation in prepared:
        _set_token(invitation, new_token())
        _enqueue(invitation, "invitation")
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
    _require_open(survey)
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
    _require_open(survey)
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


# --- following the response ------------------------------------------------------------------------


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


def _cancel_pending(invitation: Invitation, kinds: tuple[str, ...] = ("invitation", "reminder")) -> int:
    result = db.session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind.in_(kinds),
        OutboxMessage.status == OutboxStatus.PENDING).values(status=OutboxStatus.CANCELLED,
                                                              last_error="Durch eine neuere E-Mail ersetzt."))
    return result.rowcount or 0


def resend(invitation: Invitation, new_link: bool = False) -> str | None:
    """Send the invitation again; with `new_link` (or when the old link is unknown) the old link stops working."""
    _require_open(invitation.survey)
    if invitation.status is InvitationStatus.WITHDRAWN:
        raise SurveyError("Diese Einladung wurde zurückgezogen. Laden Sie die Organisation bitte neu ein.")
    if invitation.status is InvitationStatus.DECLINED:
        raise SurveyError("Diese Organisation nimmt nicht teil. Nehmen Sie das zuerst zurück, "
                          "wenn sie die Einladung doch bekommen soll.")
    token = None if new_link else current_token(invitation)
    if token is None:
        token = new_token()
        _set_token(invitation, token)
        new_link = True
    _cancel_pending(invitation)
    if invitation.status in (InvitationStatus.FAILED, InvitationStatus.BOUNCED):
        invitation.status = InvitationStatus.CREATED  # the worker makes it "sent" (or "failed") again
        invitation.bounced_at = None
        invitation.status_before = None
    invitation.failed_reason = ""
    _enqueue(invitation, "invitation")
    db.session.flush()
    return token if new_link else None


def failed_invitations(survey: Survey) -> list[Invitation]:
    """The survey's invitations whose delivery failed for good, oldest first."""
    return list(db.session.scalars(sa.select(Invitation).where(
        Invitation.survey_id == survey.id, Invitation.status == InvitationStatus.FAILED).order_by(Invitation.id)))


def resend_failed(survey: Survey) -> int:
    """Send every failed invitation of the survey again (same link where it is known); returns how many."""
    _require_open(survey)
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
            _set_token(invitation, new_token())
        _cancel_pending(invitation, ("reminder",))
        _enqueue(invitation, "reminder")
        queued += 1
    db.session.flush()
    return queued, skipped


def remind_not_submitted(survey: Survey) -> int:
    _require_open(survey)
    queued, _skipped = remind(invitations_of_survey(survey, "not_submitted"))
    return queued


def remind_selected(survey: Survey, invitation_ids: Iterable[int]) -> tuple[int, int]:
    _require_open(survey)
    ids = set(invitation_ids)
    if not ids:
        raise SurveyError("Bitte wählen Sie mindestens eine Einladung aus.")
    rows = db.session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey.id, Invitation.id.in_(ids)))
    return remind(rows)


def withdraw(invitation: Invitation) -> None:
    """The link stops working and no further mail goes out; submitted answers stay."""
    if invitation.status is InvitationStatus.SUBMITTED:
        raise SurveyError("Diese Organisation hat bereits geantwortet; die Einladung kann nicht mehr zurückgezogen werden.")
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.withdrawn_at = utc_now()
    invitation.token_sealed = None  # final: the link is never mailed again, so nothing keeps it
    _cancel_pending(invitation)
    db.session.flush()


def correct_address(invitation: Invitation, address: str, update_register: bool = True) -> None:
    """Fix a wrong address and send the invitation (same link) to the new one."""
    email = normalise_address(address)
    if email == invitation.email:
        raise SurveyError("Die neue Adresse ist dieselbe wie die bisherige.")
    clash = db.session.scalar(sa.select(Invitation).where(
        Invitation.survey_id == invitation.survey_id, sa.func.lower(Invitation.email) == email,
        Invitation.id != invitation.id))
    if clash is not None:
        raise SurveyError(f"{email} ist zu dieser Befragung bereits eingeladen.")
    old = invitation.email
    invitation.email = email
    if update_register and invitation.actor_id:
        actor = db.session.get(Actor, invitation.actor_id)
        if actor is not None and actor.email.lower() == old:
            actor.email = email
    if invitation.status in RESEND_ON_NEW_ADDRESS:
        resend(invitation)
    db.session.flush()


# Correcting the address of one of these sends the invitation (same link) to the new address.
RESEND_ON_NEW_ADDRESS = (InvitationStatus.CREATED, InvitationStatus.FAILED, InvitationStatus.SENT,
                         InvitationStatus.BOUNCED)


# --- "unzustellbar" and "nimmt nicht teil" ------------------------------------------------------------

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

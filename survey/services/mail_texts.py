"""The invitation and reminder mails: the planner's own texts (per survey, with {Platzhalter}) or
the German defaults below, the placeholder values, and rendering both parts of a mail.

Rendering fails loudly on an unknown placeholder, so no mail ever leaves with "{Something}" in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, render_template
from markupsafe import Markup, escape

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import Invitation, Survey
from . import audit, outbox
from .survey_pages import answering_minutes, pages_with_questions
from .surveys import SurveyError

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

"""  # noqa: E501 -- one paragraph a line, as the planner edits it; mails are wrapped when sent
        + _VOLUNTARY + """

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

"""  # noqa: E501 -- one paragraph a line, as the planner edits it; mails are wrapped when sent
        + _VOLUNTARY + """

Bei Fragen: {Kontakt}

Mit freundlichen Grüßen
{Absender}""",
    ),
}


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


_LOOKUP = {name.lower(): name for name in PLACEHOLDERS}


class TemplateError(SurveyError):
    """A mail text uses a placeholder that does not exist (German message for the planner)."""


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
        problems.append("Der Text muss den Platzhalter {Link} enthalten, sonst erhält niemand seinen persönlichen "
                        "Link.")
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


TEST_SUBJECT = "[Probelauf]"


def render_mail(survey: Survey, invitation: Invitation, link: str, kind: str = "invitation",
                subject: str | None = None, body: str | None = None) -> RenderedMail:
    """The mail for one recipient (both parts); `subject`/`body` override the survey's texts (preview)."""
    saved_subject, saved_body = texts_of(survey, kind)
    subject = subject if subject is not None and subject.strip() else saved_subject
    body = body if body is not None and body.strip() else saved_body
    values = placeholder_values(survey, invitation, link)
    subject_text = " ".join(fill(subject, values).split())
    # A test invitation of the Probelauf (services/test_run.py) says so; the texts page's preview passes
    # a register entry in place of an invitation, which is never one.
    test_run = bool(getattr(invitation, "test", False))
    if test_run:
        subject_text = f"{TEST_SUBJECT} {subject_text}"
    text = _tidy(fill(body.replace("\r\n", "\n"), values)) + "\n"
    html_body = _html_body(body.replace("\r\n", "\n"), values, survey.contact_email)
    template = "invitation" if kind == "invitation" else "reminder"
    return RenderedMail(
        subject=subject_text,
        text=render_template(f"email/{template}/body.txt", body=text, signature=survey.kommune.mail_signature,
                             statement_for=survey.kommune, test_run=test_run),
        html=render_template(f"email/{template}/body.html", body_html=html_body, subject=subject_text,
                             signature=survey.kommune.mail_signature, statement_for=survey.kommune,
                             test_run=test_run),
        reply_to=reply_address(survey),
    )


reply_address = outbox.reply_address


def save_texts(survey: Survey, invitation_subject: str, invitation_text: str, reminder_subject: str,
               reminder_text: str, remind_days_before: int | None) -> None:
    """Store the planner's texts (empty = default); raises TemplateError listing every problem."""
    problems = (check_template(invitation_subject) + check_template(invitation_text,
                                                                    require_link=bool(invitation_text.strip()))
                + check_template(reminder_subject) + check_template(reminder_text,
                                                                    require_link=bool(reminder_text.strip())))
    if remind_days_before is not None and not 0 <= remind_days_before <= 90:
        problems.append("Die Erinnerung kann 0 bis 90 Tage vor der Frist verschickt werden.")
    if problems:
        raise TemplateError(" ".join(dict.fromkeys(problems)))
    fields = ("invitation_subject", "invitation_text", "reminder_subject", "reminder_text", "remind_days_before")
    before = {name: getattr(survey, name) for name in fields}
    defaults = DEFAULT_TEXTS
    subject = invitation_subject.strip()
    survey.invitation_subject = "" if subject == defaults["invitation"][0] else subject
    survey.invitation_text = "" if _same(invitation_text, defaults["invitation"][1]) else invitation_text.strip()
    survey.reminder_subject = "" if reminder_subject.strip() == defaults["reminder"][0] else reminder_subject.strip()
    survey.reminder_text = "" if _same(reminder_text, defaults["reminder"][1]) else reminder_text.strip()
    if survey.remind_days_before != remind_days_before:
        survey.scheduled_reminder_sent_at = None
    survey.remind_days_before = remind_days_before
    old, new = audit.changed_fields(before, {name: getattr(survey, name) for name in fields})
    if new:
        audit.record(survey.kommune_id, "survey.mail_text", f"Mailtexte der Befragung „{survey.title}“ geändert",
                     obj=survey, survey_id=survey.id, before=old, after=new)
    db.session.flush()


def _same(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.strip()

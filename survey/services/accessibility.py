"""The accessibility statement of the respondent pages (BITV 2.0 / BGG § 12b, BITV NRW) and its feedback.

Public bodies must publish, for each website, a statement with the state of compliance, the parts
that are not accessible and why, a feedback mechanism and the enforcement procedure. What this
tool's pages can and cannot do is the same for every Kommune and is kept here, with the date it was
last checked; each Kommune adds its own notes, its feedback address and (outside NRW) its
enforcement body in the settings. Feedback goes as a mail through the outbox to the Kommune's
feedback address, or to its admins when it has none; callers commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import Kommune, Role, User
from . import outbox

# When the pages were last checked against WCAG 2.1 AA / EN 301 549 (axe-core in every browser walk,
# keyboard and 360 px walks by hand); update with the known limits below.
CHECKED_ON = dt.date(2026, 12, 1)
STATE = "teilweise vereinbar"
KNOWN_LIMITS = (
    "Die Diagramme in den Ergebnissen sind Bilder. Ihre Zahlen stehen jeweils auch als Tabelle daneben und "
    "sind als CSV-Datei herunterladbar.",
    "Die PDF-Berichte für Planende sind nicht als barrierefreies PDF (PDF/UA) geprüft; dieselben Inhalte "
    "gibt es als Arbeitsmappe und als Tabellen auf der Seite.",
    "Die Befragungsseiten sind in deutscher Sprache; Leichte Sprache und Gebärdensprache bieten wir nicht an.",
)
DEFAULT_ENFORCEMENT = (
    "Wenn Sie auf Ihre Rückmeldung innerhalb von sechs Wochen keine oder keine zufriedenstellende Antwort "
    "erhalten, können Sie sich an die Ombudsstelle für barrierefreie Informationstechnik des Landes "
    "Nordrhein-Westfalen bei der Landesbeauftragten für Menschen mit Behinderung wenden "
    "(www.lbb.nrw.de). Für Stellen des Bundes ist die Schlichtungsstelle nach § 16 BGG zuständig "
    "(www.schlichtungsstelle-bgg.de). Das Verfahren ist kostenlos."
)
MESSAGE_MAX = 5000
FEEDBACK_SUBJECT = "Rückmeldung zur Barrierefreiheit"


class FeedbackError(ValueError):
    """A German message for the person giving feedback; nothing was sent."""


@dataclass(frozen=True)
class Feedback:
    message: str
    name: str = ""
    email: str = ""
    page: str = ""  # where the barrier was met (a masked path, never a personal link)


def statement_url(kommune: Kommune) -> str:
    """The absolute address of the Kommune's statement, for mails."""
    return f"{current_app.config['BASE_URL']}/barrierefreiheit/{kommune.id}"


def enforcement(kommune: Kommune) -> str:
    return kommune.enforcement_body.strip() or DEFAULT_ENFORCEMENT


def recipients(kommune: Kommune) -> list[str]:
    """Who reads feedback: the Kommune's feedback address, else its active admins."""
    if kommune.feedback_email.strip():
        return [kommune.feedback_email.strip()]
    return list(db.session.scalars(sa.select(User.email).where(
        User.kommune_id == kommune.id, User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)))


def send_feedback(kommune: Kommune, feedback: Feedback) -> int:
    """Queue the feedback for each recipient; returns how many mails. Raises FeedbackError on bad input."""
    message = feedback.message.strip()
    if not message:
        raise FeedbackError("Bitte beschreiben Sie, was nicht funktioniert hat.")
    if len(message) > MESSAGE_MAX:
        raise FeedbackError(f"Bitte fassen Sie sich kürzer (höchstens {fmt.number(MESSAGE_MAX)} Zeichen, "
                            f"eingegeben: {fmt.number(len(message))}).")
    to = recipients(kommune)
    for address in to:
        outbox.enqueue("accessibility_feedback", address, "accessibility_feedback", reply_to=feedback.email.strip(),
                       sender_name=kommune.mail_sender_name, kommune=kommune, message=message,
                       sender=feedback.name.strip(), email=feedback.email.strip(), page=feedback.page)
    return len(to)

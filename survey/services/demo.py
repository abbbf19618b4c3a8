"""Demo data: Kreis Düren, a planner and an analyst, actors, a survey and realistic answers.

Answers are produced through the same services a respondent's browser uses (draft pages, then
submit), so the demo exercises the real path. Loading is idempotent: a second run adds nothing
and prints a link that a mail already carries (taken from the outbox, never a new token, so the
link printed last time and every link in the demo mailbox keep working).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from questionnaires.kinds import KINDS
from questionnaires.model import Question

from ..extensions import db
from ..models import Actor, Invitation, InvitationStatus, Kommune, Survey, SurveyPage, User
from . import responses as response_service
from .accounts import create_user, get_or_create_kommune, set_districts, slug
from .follow_up import (
    resend,
)
from .invitations import (
    current_token,
    invite,
    respondent_link,
)
from .survey_pages import pages_with_questions
from .surveys import add_question, create_survey, open_survey

KOMMUNE = "Kreis Düren"
DISTRICTS = [
    "Aldenhoven", "Düren", "Heimbach", "Hürtgenwald", "Inden", "Jülich", "Kreuzau", "Langerwehe",
    "Linnich", "Merzenich", "Nideggen", "Niederzier", "Nörvenich", "Titz", "Vettweiß",
]
# The Kreis's own fields of action (seed 001) and its settings as an admin would enter them.
STRATEGIC_FIELDS = [
    "Prozesssteuerung", "Frühe Hilfen", "Kinderschutzfachkräfte in Kitas", "Kita-Grundschule",
    "Kinder mit Beeinträchtigungen", "Sport als Präventionsansatz", "ehrenamtliches Engagement Jugendlicher",
]
SETTINGS = {
    "type_word": "Kreis", "gender": "m", "spatial_word": "Gemeinde",
    "sender_name": "Kreis Düren – Präventionskette",
    "office": "Amt für Kinder, Jugend und Familie", "postal_address": "Bismarckstraße 16\n52351 Düren",
    "phone": "02421 22-0", "website": "https://www.kreis-dueren.example",
    "contact_block": "Koordination Präventionskette, Birgit Schäfer\nplanung@kreis-dueren.example",
    "imprint_url": "https://www.kreis-dueren.example/impressum",
    "privacy_url": "https://www.kreis-dueren.example/datenschutz",
    "accessibility_url": "https://www.kreis-dueren.example/barrierefreiheit",
}
PLANNER = ("planung@kreis-dueren.example", "Birgit Schäfer")
ANALYST = ("auswertung@kreis-dueren.example", "Jonas Weber")
DEMO_PASSWORD = "demo-passwort"  # demo accounts only; printed by `make run`

# (name, provider type, sector)
ACTORS = [
    ("Familienzentrum Regenbogen", "freier_traeger", "kita"),
    ("Kita Sonnenschein", "kita_traeger", "kita"),
    ("Städtische Kita Am Markt", "oeffentlicher_traeger", "kita"),
    ("Erziehungsberatungsstelle des Kreises", "oeffentlicher_traeger", "kinder_jugendhilfe"),
    ("Allgemeiner Sozialer Dienst", "oeffentlicher_traeger", "kinder_jugendhilfe"),
    ("Jugendzentrum Jülich", "verein", "kinder_jugendhilfe"),
    ("Caritasverband für die Region Düren-Jülich", "wohlfahrtsverband", "soziales"),
    ("Diakonisches Werk", "wohlfahrtsverband", "soziales"),
    ("AWO Kreisverband", "wohlfahrtsverband", "soziales"),
    ("Schwangerschaftsberatung donum vitae", "freier_traeger", "gesundheit"),
    ("Familienhebammen im Kreis Düren", "oeffentlicher_traeger", "fruehe_hilfen"),
    ("Gesundheitsamt Kreis Düren", "oeffentlicher_traeger", "gesundheit"),
    ("Kinderarztpraxis Dr. Özdemir", "praxis", "gesundheit"),
    ("Frühförderstelle Lebenshilfe", "freier_traeger", "gesundheit"),
    ("Grundschule Am Burgauer Wald", "schule", "schule"),
    ("Gesamtschule Niederzier/Merzenich", "schule", "schule"),
    ("OGS-Träger Kinderwelt e. V.", "verein", "schule"),
    ("Regionales Bildungsbüro", "oeffentlicher_traeger", "schule"),
    ("Jobcenter rurAGENTUR", "oeffentlicher_traeger", "ausbildung_arbeit"),
    ("Agentur für Arbeit, Berufsberatung", "oeffentlicher_traeger", "ausbildung_arbeit"),
    ("Kommunales Integrationszentrum", "oeffentlicher_traeger", "integration"),
    ("Migrationsdienst der Caritas", "wohlfahrtsverband", "integration"),
    ("Sportverein TuS Langerwehe", "verein", "sport"),
    ("Kreissportbund Düren", "verein", "sport"),
    ("Volkshochschule Rur-Eifel", "oeffentlicher_traeger", "kultur"),
    ("Stadtbibliothek Düren", "oeffentlicher_traeger", "kultur"),
    ("Familienbildungsstätte Düren", "freier_traeger", "kinder_jugendhilfe"),
    ("Polizei Düren, Kriminalprävention", "oeffentlicher_traeger", "polizei_justiz"),
    ("Quartiersmanagement Düren-Nord", "oeffentlicher_traeger", "stadtentwicklung"),
    ("Katholische Pfarrgemeinde St. Lukas", "kirche", "soziales"),
]

SURVEY_TITLE = "Bestandsaufnahme Präventionskette 2026"
# Page title -> catalogue keys (missing keys are skipped, so the demo follows the catalogue).
PAGES = [
    ("Ihre Organisation",
     ["akteur.name", "akteur.traegerart", "akteur.sektor", "akteur.stadtteile", "akteur.mitarbeitende"]),
    ("Ihre Angebote", ["angebote.angebote"]),
    ("Netzwerke", ["netzwerk.wirkungskreis", "netzwerk.lebensphasen", "netzwerk.fokus"]),
    ("Zusammenarbeit", ["kooperation.partner"]),
]
FREE_TEXTS = [
    "Frühe Hilfen und Übergang Kita – Grundschule",
    "Wir vernetzen Angebote für Familien mit kleinen Kindern im Quartier.",
    "Schwerpunkt ist der Übergang Schule – Beruf.",
    "Erreichen von Familien mit Migrationsgeschichte.",
    "",
]


@dataclass
class DemoResult:
    created: bool
    link: str
    planner: str
    analyst: str
    password: str


def _actors(kommune: Kommune, rng: random.Random) -> list[Actor]:
    actors = []
    codes = [d.code for d in kommune.districts]
    for n, (name, provider_type, sector) in enumerate(ACTORS):
        local = slug(name).replace("_", ".")[:24].strip(".")
        actor = Actor(
            kommune_id=kommune.id, name=name, provider_type=provider_type, sector=sector,
            districts=rng.sample(codes, k=1 + n % 3), contact_name=rng.choice(
                ["Anna Becker", "Mehmet Yılmaz", "Sabine Krüger", "Thomas Hoffmann", "Julia Schmitz", "Olga Nowak"]),
            email=f"{local}@traeger.example",
        )
        db.session.add(actor)
        actors.append(actor)
    db.session.flush()
    return actors


def _build_survey(kommune: Kommune, planner: User) -> Survey:
    catalogue = current_app.extensions["catalogue"]
    survey = create_survey(
        kommune, planner, SURVEY_TITLE,
        introduction=(
            "Der Kreis Düren baut mit den Städten und Gemeinden eine Präventionskette für Kinder, Jugendliche und "
            "Familien auf. Mit dieser Bestandsaufnahme möchten wir wissen, welche Angebote es wo gibt, wen sie "
            "erreichen und wer mit wem zusammenarbeitet – damit wir Lücken und Doppelstrukturen erkennen."
        ),
        privacy_notice=(
            "Ihre Antworten sehen nur die Jugendhilfeplanung und die Sozialplanung des Kreises. Ergebnisse werden "
            "nur zusammengefasst veröffentlicht. Namen und E-Mail-Adressen von Ansprechpersonen werden nach "
            "Abschluss der Auswertung gelöscht."
        ),
        contact_name=planner.display_name, contact_email=planner.email, contact_phone="02421 22-0",
    )
    first = True
    for title, keys in PAGES:
        questions = [q for k in keys if (q := catalogue.get(k)) is not None]
        if not questions:
            continue
        if first:
            survey.pages[0].title = title
            first = False
        else:
            survey.pages.append(SurveyPage(position=len(survey.pages), title=title))
            db.session.flush()
        for question in questions:
            add_question(survey, question, survey.pages[-1])
    open_survey(survey)
    return survey


class _DemoSource:
    """What the kinds' `demo_raw` asks of the demo: its texts, one organisation's partners."""

    long_texts = FREE_TEXTS

    def __init__(self, rng: random.Random, actor: Actor, actors: list[Actor]) -> None:
        self.rng, self.actor, self.actors = rng, actor, actors

    def partners(self, rng: random.Random) -> list[tuple[str, str]]:
        chosen = rng.sample([a for a in self.actors if a is not self.actor], k=rng.randint(1, 5))
        return [(partner.code, partner.name) for partner in chosen]

    def field(self, question: Question, name: str) -> dict[str, list[str]]:
        return _raw_answer(question, name, self.rng, self.actor, self.actors)


def _preset(question: Question, actor: Actor) -> list[str] | None:
    """The answer the demo organisation gives about itself (name, sector, provider type, districts)."""
    if question.key == "akteur.name":
        return [actor.name]
    if question.key == "akteur.sektor" and actor.sector in question.offered_codes:
        return [actor.sector]
    if question.key == "akteur.traegerart" and actor.provider_type in question.offered_codes:
        return [actor.provider_type]
    if KINDS[question.kind].districts and actor.districts:
        return list(actor.districts)
    return None


def _raw_answer(question: Question, name: str, rng: random.Random, actor: Actor,
                actors: list[Actor]) -> dict[str, list[str]]:
    """Plausible raw form fields for one question, as a browser would post them (`Kind.demo_raw`)."""
    if question.key.endswith(".status"):
        return {}  # an offer's status ("beendet") belongs to a follow-up wave, not to a first inventory
    preset = _preset(question, actor)
    if preset is not None:
        return {name: preset}
    return KINDS[question.kind].demo_raw(question, name, rng, _DemoSource(rng, actor, actors))


def _answer(invitation: Invitation, actor: Actor, actors: list[Actor], rng: random.Random, pages_done: int,
            submit: bool) -> None:
    response = response_service.start(invitation)
    pages = pages_with_questions(invitation.survey)
    for index, (_page, questions) in enumerate(pages[:pages_done]):
        raw: dict[str, list[str]] = {}
        for question in questions:
            if KINDS[question.kind].answerable:
                raw.update(_raw_answer(question, question.key, rng, actor, actors))
        response_service.save_page(response, questions, raw, index, response.revision)
        for question in questions:  # offers and partners are saved one entry at a time, as in the browser
            if response_service.has_entries(question):
                for number in response_service.entry_numbers(raw, question):
                    response_service.save_entry(response, question, number, raw, index, response.revision)
    if submit:
        errors = response_service.submit(response)
        if errors:
            raise RuntimeError(f"demo answer not accepted: {errors}")


def _link_to_print(survey: Survey) -> str:
    """The link of the first untouched invitation, unsealed like a resend (the same link its mail carries).

    When no invitation's link can be unsealed (another link key), one invitation is sent again with
    a new link, so the printed link is in the mailbox too; a link that can be unsealed is never replaced.
    """
    untouched = list(db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.survey_id == survey.id, Invitation.opened_at.is_(None),
               Invitation.status != InvitationStatus.WITHDRAWN)
        .order_by(Invitation.id)
    ))
    for invitation in untouched:
        if token := current_token(invitation):
            return respondent_link(token)
    if not untouched:
        return ""
    token = resend(untouched[0], new_link=True)
    assert token is not None  # a new link is always made
    return respondent_link(token)


def _settings(kommune: Kommune) -> None:
    for key, value in SETTINGS.items():
        setattr(kommune, key, value)
    kommune.strategic_fields = list(STRATEGIC_FIELDS)
    db.session.flush()


def load_demo(seed: int = 2026) -> DemoResult:
    """Create the demo data unless it exists; always return a working respondent link."""
    rng = random.Random(seed)
    kommune = get_or_create_kommune(KOMMUNE)
    survey = db.session.scalar(sa.select(Survey).where(Survey.kommune_id == kommune.id, Survey.title == SURVEY_TITLE))
    created = survey is None
    if not kommune.type_word:  # a new demo, or one loaded before the Kommune had settings
        _settings(kommune)
    if created:
        set_districts(kommune, DISTRICTS)
        planner = create_user(KOMMUNE, PLANNER[0], DEMO_PASSWORD, "planner", PLANNER[1])
        create_user(KOMMUNE, ANALYST[0], DEMO_PASSWORD, "analyst", ANALYST[1])
        actors = _actors(kommune, rng)
        survey = _build_survey(kommune, planner)
        page_count = len(pages_with_questions(survey))
        for n, actor in enumerate(actors):
            invitation, _token = invite(survey, actor.email, actor=actor)
            if n % 10 < 6:
                _answer(invitation, actor, actors, rng, page_count, submit=True)
            elif n % 10 < 8:
                _answer(invitation, actor, actors, rng, max(1, page_count // 2), submit=False)
    assert survey is not None  # found or built above
    link = _link_to_print(survey)
    db.session.flush()
    return DemoResult(created=created, link=link, planner=PLANNER[0], analyst=ANALYST[0], password=DEMO_PASSWORD)

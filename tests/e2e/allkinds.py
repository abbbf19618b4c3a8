"""A survey with every question kind, on several pages, built from catalogue keys (for tests)."""

from __future__ import annotations

import dataclasses

from flask import current_app

from survey.extensions import db
from survey.models import Actor, User
from survey.services import surveys

PAGES = [
    ("Ihre Einrichtung", ["akteur.einleitung", "akteur.name", "akteur.sektor", "akteur.stadtteile",
                          "akteur.mitarbeitende", "akteur.stand"]),
    ("Das Netzwerk", ["netzwerk.seit", "netzwerk.lebensphasen", "netzwerk.fokus", "netzwerk.themen",
                      "netzwerk.ziele_festgeschrieben", "netzwerk.ziele", "netzwerk.mitglieder_sektoren",
                      "netzwerk.teilnahme_verlaesslich"]),
    ("Angebote", ["angebote.angebote"]),
    ("Kooperation", ["kooperation.partner"]),
]
ACTORS = [
    ("Kita Regenbogen", "kita", ["nordstadt"]), ("Familienzentrum Nord", "kinder_jugendhilfe", ["nordstadt"]),
    ("Grundschule am Park", "schule", ["suedstadt"]), ("Gesundheitsamt", "gesundheit", ["nordstadt", "suedstadt"]),
    ("Sportverein Blau-Weiß", "sport", ["oststadt"]), ("Jobcenter", "ausbildung_arbeit", ["suedstadt"]),
]


def make_all_kinds_survey(user_id: int, max_offers: int | None = None, actors: int = 0):
    """Open survey with one page per PAGES entry; `max_offers` overrides the offers' entry limit."""
    user = db.session.get(User, user_id)
    survey = surveys.create_survey(user.kommune, user, "Bestandsaufnahme Nordstadt", contact_name="Petra Plan",
                                   contact_email=user.email, introduction="Wir möchten wissen, was es gibt.",
                                   privacy_notice="Ihre Angaben werden nur für die Planung genutzt.")
    catalogue = current_app.extensions["catalogue"]
    for position, (title, keys) in enumerate(PAGES):
        page = survey.pages[0] if position == 0 else None
        if page is None:
            from survey.models import SurveyPage

            page = SurveyPage(position=position, title=title)
            survey.pages.append(page)
            db.session.flush()
        page.title = title
        for key in keys:
            question = catalogue.get(key)
            if key == "angebote.angebote" and max_offers:
                question = dataclasses.replace(question, max_entries=max_offers)
            surveys.add_question(survey, question, page=page)
    surveys.open_survey(survey)
    for name, sector, districts in ACTORS[:actors] if actors <= len(ACTORS) else ACTORS:
        db.session.add(Actor(kommune_id=user.kommune_id, name=name, sector=sector, districts=districts))
    for n in range(max(0, actors - len(ACTORS))):
        db.session.add(Actor(kommune_id=user.kommune_id, name=f"Träger {n:03d}", sector="soziales",
                             districts=["oststadt"]))
    db.session.add(Actor(kommune_id=user.kommune_id, name="Alte Einrichtung (aufgelöst)", sector="kita", active=False))
    db.session.commit()
    return survey

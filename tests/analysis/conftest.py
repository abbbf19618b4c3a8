"""A small hand-made survey for the analysis tests (no app, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.dataset import ActorRecord, Dataset, InvitationRecord, ResponseRecord
from questionnaires.model import Option, Question

UTC = dt.UTC
PHASES = (
    Option("schwangerschaft_geburt", "Rund um Schwangerschaft und Geburt"),
    Option("kita", "Rund um die Kita"),
    Option("grundschule", "Grundschule"),
)
SECTORS = (
    Option("jugendhilfe", "Kinder- und Jugendhilfe"),
    Option("gesundheit", "Gesundheit"),
    Option("bildung", "Bildung"),
)
DISTRICTS = (Option("nord", "Nordstadt"), Option("mitte", "Innenstadt"), Option("eving", "Eving"))
SCALE = (
    Option("sehr_gut", "sehr gut"),
    Option("gut", "gut"),
    Option("teils", "teils/teils"),
    Option("schlecht", "schlecht"),
    Option("sehr_schlecht", "sehr schlecht"),
    Option("weiss_nicht", "weiß nicht"),
)


def q(key: str, kind: str, prompt: str = "", **kwargs) -> Question:
    return Question(key=key, kind=kind, prompt=prompt or f"Frage {key}?", **kwargs)


QUESTIONS = (
    q("akteur.sektor", "single_choice", "In welchem Handlungsfeld ist Ihre Einrichtung tätig?", options=SECTORS),
    q("akteur.traegerart", "single_choice", "Welche Art von Träger sind Sie?",
      options=(Option("oeffentlich", "Öffentlicher Träger"), Option("frei", "Freier Träger"))),
    q("akteur.stadtteile", "district", "In welchen Stadtteilen ist Ihre Einrichtung tätig?"),
    q("netzwerk.lebensphasen", "multiple_choice",
      "Auf welche Lebensphasen der Präventionskette richtet sich Ihre Arbeit? Bitte wählen Sie alle zutreffenden aus.",
      options=PHASES, other=True),
    q("netzwerk.gruendung", "year", "Seit wann besteht das Netzwerk?"),
    q("akteur.mitarbeitende", "number", "Wie viele Fachkräfte arbeiten bei Ihnen?", integer=False),
    q("netzwerk.zufriedenheit", "likert", "Wie zufrieden sind Sie mit der Zusammenarbeit im Netzwerk?",
      options=SCALE),
    q("netzwerk.bewertung", "matrix", "Wie bewerten Sie die folgenden Aspekte des Netzwerks?", options=SCALE,
      items=(Option("ziele", "Klarheit der gemeinsamen Ziele"), Option("austausch", "Austausch"),
             Option("steuerung", "Steuerung und Koordination"))),
    q("netzwerk.themen", "list", "Nennen Sie die drei wesentlichsten Themen, die im Netzwerk behandelt werden.",
      max_entries=3),
    q("netzwerk.fokus", "long_text", "Gibt es einen Fokus des Netzwerks? Bitte beschreiben Sie ihn kurz."),
    q("angebote.angebote", "group", "Welche Angebote machen Sie?", fields=(
        q("angebote.angebote.name", "short_text", "Name des Angebots"),
        q("angebote.angebote.lebensphasen", "multiple_choice", "Lebensphasen", options=PHASES),
        q("angebote.angebote.zielgruppen", "multiple_choice", "Zielgruppen",
          options=(Option("eltern", "Eltern"), Option("kinder", "Kinder"))),
        q("angebote.angebote.stadtteile", "district", "Stadtteile", options=DISTRICTS),
        q("angebote.angebote.setting", "multiple_choice", "Setting",
          options=(Option("gruppe", "Gruppe"), Option("einzeln", "Einzeln"))),
        q("angebote.angebote.kosten", "single_choice", "Kosten",
          options=(Option("kostenlos", "kostenlos"), Option("gebuehr", "gebührenpflichtig"))),
    )),
    q("kooperation.partner", "partner_roster", "Mit wem arbeiten Sie zusammen?", fields=(
        q("kooperation.partner.art", "multiple_choice", "Art der Zusammenarbeit",
          options=(Option("austausch", "Austausch"), Option("gemeinsame_angebote", "Gemeinsame Angebote"))),
        q("kooperation.partner.haeufigkeit", "single_choice", "Wie oft?",
          options=(Option("monatlich", "monatlich"), Option("jaehrlich", "jährlich"))),
    )),
)

ACTORS = (
    ActorRecord("a1", "Jugendamt", "jugendhilfe", "oeffentlich", ("nord", "mitte")),
    ActorRecord("a2", "Gesundheitsamt", "gesundheit", "oeffentlich", ("mitte",)),
    ActorRecord("a3", "Familienzentrum Nord", "jugendhilfe", "frei", ("nord",)),
    ActorRecord("a4", "Grundschule Eving", "bildung", "oeffentlich", ("eving",)),
    ActorRecord("a5", "Hebammenpraxis", "gesundheit", "frei", ("nord",)),
)


def offer(name, phases, districts, groups=("eltern",), setting=("gruppe",), cost="kostenlos"):
    return {"name": name, "lebensphasen": list(phases), "zielgruppen": list(groups), "stadtteile": list(districts),
            "setting": list(setting), "kosten": cost}


def partner(actor="", name="", art=("austausch",), haeufigkeit="monatlich"):
    return {"actor": actor, "name": name, "art": list(art), "haeufigkeit": haeufigkeit}


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, tzinfo=UTC)


RESPONSES = (
    ResponseRecord(1, "submitted", at(1), "a1", "Jugendamt", {
        "akteur.sektor": "jugendhilfe", "akteur.traegerart": "oeffentlich", "akteur.stadtteile": ["nord", "mitte"],
        "netzwerk.lebensphasen": ["kita", "grundschule"], "netzwerk.lebensphasen/other": None,
        "netzwerk.gruendung": 2010, "akteur.mitarbeitende": 12.5, "netzwerk.zufriedenheit": "gut",
        "netzwerk.bewertung": {"ziele": "gut", "austausch": "sehr_gut", "steuerung": "teils"},
        "netzwerk.themen": ["Kinderschutz", "Übergang Kita – Schule", "Sprache"],
        "netzwerk.fokus": "=HYPERLINK(\"http://evil.example\",\"klick\")",
        "angebote.angebote": [offer("Elterncafé", ["kita"], ["nord"]),
                              offer("Babyclub", ["schwangerschaft_geburt"], ["nord"])],
        "kooperation.partner": [partner("a2"), partner("a3", art=("austausch", "gemeinsame_angebote"))],
    }),
    ResponseRecord(2, "submitted", at(1, 15), "a2", "Gesundheitsamt", {
        "akteur.sektor": "gesundheit", "akteur.traegerart": "oeffentlich", "akteur.stadtteile": ["mitte"],
        "netzwerk.lebensphasen": ["schwangerschaft_geburt", "other"], "netzwerk.lebensphasen/other": "Senioren",
        "netzwerk.gruendung": 2015, "akteur.mitarbeitende": -3, "netzwerk.zufriedenheit": "sehr_gut",
        "netzwerk.bewertung": {"ziele": "sehr_gut", "austausch": "gut"},
        "netzwerk.themen": ["  kinderschutz ", "Gesundheit"],
        "netzwerk.fokus": "@SUM(A1:A9)",
        "angebote.angebote": [offer("Hebammensprechstunde", ["schwangerschaft_geburt"], ["mitte"], cost="gebuehr")],
        "kooperation.partner": [partner("a1"), partner(name="Kinderarztpraxis Dr. Weiß", haeufigkeit="jaehrlich")],
    }),
    ResponseRecord(3, "submitted", at(3), "a3", "Familienzentrum Nord", {
        "akteur.sektor": "jugendhilfe", "akteur.traegerart": "frei", "akteur.stadtteile": ["nord"],
        "netzwerk.lebensphasen": ["kita"], "netzwerk.gruendung": 2015, "akteur.mitarbeitende": 4,
        "netzwerk.zufriedenheit": "teils",
        "netzwerk.bewertung": {"ziele": "schlecht", "austausch": "gut", "steuerung": "weiss_nicht"},
        "netzwerk.themen": ["Kinderschutz.", "Sprache"],
        "netzwerk.fokus": "Frühe Hilfen im Quartier",
        "angebote.angebote": [
            offer("Krabbelgruppe", ["kita"], ["nord"]), offer("Sprachförderung", ["kita"], ["nord"]),
            offer("Elternkurs", ["kita"], ["nord"], groups=("eltern", "kinder")),
            offer("Beratung", ["kita", "grundschule"], [], setting=("einzeln",)),
        ],
        "kooperation.partner": [partner("a1"), partner(name="kinderarztpraxis  dr. weiß")],
    }),
    ResponseRecord(4, "in_progress", None, "a4", "Grundschule Eving", {
        "akteur.sektor": "bildung", "netzwerk.lebensphasen": ["grundschule"],
    }),
)

INVITATIONS = (
    InvitationRecord(1, "a1", "submitted", at(1, 8), at(1, 9), at(1), ("nord", "mitte"), "jugendhilfe"),
    InvitationRecord(2, "a2", "submitted", at(1, 8), at(1, 9), at(1, 15), ("mitte",), "gesundheit"),
    InvitationRecord(3, "a3", "submitted", at(1, 8), at(2), at(3), ("nord",), "jugendhilfe"),
    InvitationRecord(4, "a4", "in_progress", at(1, 8), at(2), None, ("eving",), "bildung"),
    InvitationRecord(5, "a5", "sent", at(1, 8), None, None, ("nord",), "gesundheit"),
    InvitationRecord(6, None, "failed", None, None, None, (), ""),
)


@pytest.fixture
def dataset() -> Dataset:
    """All responses, including one in progress (call `.filter()` for the submitted ones)."""
    return Dataset(
        questions=QUESTIONS,
        responses=RESPONSES,
        actors=ACTORS,
        districts=DISTRICTS,
        sectors=SECTORS,
        provider_types=(Option("oeffentlich", "Öffentlicher Träger"), Option("frei", "Freier Träger")),
        invitations=INVITATIONS,
        title="Bestandsaufnahme Präventionskette Nordstadt 2024",
    )


@pytest.fixture
def submitted(dataset: Dataset) -> Dataset:
    return dataset.filter()


@pytest.fixture
def make():
    """Helpers to build questions, offers and partner entries in a test."""
    import types

    return types.SimpleNamespace(question=q, offer=offer, partner=partner, at=at)

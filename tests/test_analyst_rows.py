"""Analysts get aggregates: every download an analyst can reach, with a filter down to one
organisation, carries no name, no contact data, no free text and no count below MIN_GROUP_SIZE;
row-level downloads are refused unless the planner shares them, and shared rows are pseudonymised
with codes that stay the same across the waves of a series.

The downloads are generated from `app.url_map` (every GET route of the results and waves
blueprints), so a new download route is covered without touching this file."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from flask import url_for

from factories import PRIVACY, fetch_prepared, invite, make_survey
from pdfcheck import reader, texts
from survey.extensions import db
from survey.models import Actor, Pseudonym, Survey
from survey.services import invitations as invitation_service
from survey.services import pseudonyms
from survey.services import responses as response_service
from survey.services import surveys as survey_service
from survey.services import waves as wave_service
from survey.services.results import charts as results_charts
from survey.services.results import dataset as results_dataset

KEYS = ["akteur.name", "akteur.sektor", "akteur.traegerart", "akteur.stadtteile", "akteur.ansprechperson",
        "akteur.anmerkungen", "angebote.angebote", "kooperation.partner"]
# name, address, sector, provider type, districts
ORGS = [
    ("Kita Sonnenschein", "kita@traeger.example", "kita", "freier_traeger", ["nordstadt"]),
    ("Familienzentrum Nordlicht", "fz@traeger.example", "kinder_jugendhilfe", "oeffentlicher_traeger", ["nordstadt"]),
    ("Grundschule Süderweg", "gs@traeger.example", "schule", "oeffentlicher_traeger", ["nordstadt", "suedstadt"]),
    ("Sportverein Ostwind", "sv@traeger.example", "sport", "freier_traeger", ["oststadt"]),
]
FREE_TEXT = "Geheimnisvolle Anmerkung"
OFFER = "Elterncafé Zauberberg"
CONTACT = "Petra Kontaktperson"
ONE = {"stadtteil": "oststadt"}  # the filter that leaves one organisation: Sportverein Ostwind
SECRETS = [o[0] for o in ORGS] + [o[1] for o in ORGS] + [FREE_TEXT, OFFER, CONTACT, "@traeger.example"]


def _draft(index: int, codes: list[str]) -> dict[str, list[str]]:
    name, _email, sector, provider_type, districts = ORGS[index]
    return {
        "akteur.name": [name], "akteur.sektor": [sector], "akteur.traegerart": [provider_type],
        "akteur.stadtteile": districts, "akteur.ansprechperson": [CONTACT],
        "akteur.anmerkungen": [f"{FREE_TEXT} {index}"],
        "angebote.angebote/0/name": [OFFER], "angebote.angebote/0/lebensphasen": ["kita"],
        "angebote.angebote/0/stadtteile": districts, "angebote.angebote/0/kosten": ["kostenfrei"],
        "kooperation.partner/0/actor": [codes[(index + 1) % len(codes)]],
        "kooperation.partner/0/art": ["informationsaustausch"], "kooperation.partner/0/haeufigkeit": ["monatlich"],
        "kooperation.partner/1/name": ["Sportverein Ostwind"],  # typed by name: joins the register actor
    }


def _answer(survey: Survey, actors: list[Actor], indices: range) -> None:
    codes = [a.code for a in actors]
    for index in indices:
        actor = actors[index]
        invitation, _token = invitation_service.invite(survey, actor.email, actor=actor)
        response = response_service.start(invitation)
        response.draft = _draft(index, codes)
        assert response_service.submit(response) == {}


@pytest.fixture
def ids(app, planner) -> dict[str, int]:
    """Wave 1 answered by all four organisations, wave 2 (its follow-up) by two of them."""
    with app.app_context():
        survey = make_survey(planner[0], keys=KEYS, title="Netzwerk 2025")
        actors = []
        for name, email, sector, provider_type, districts in ORGS:
            actor = Actor(kommune_id=survey.kommune_id, name=name, email=email, sector=sector,
                          provider_type=provider_type, districts=districts)
            db.session.add(actor)
            actors.append(actor)
        db.session.flush()
        _answer(survey, actors, range(4))
        db.session.commit()
        follow = wave_service.create_follow_up(survey, None, app.extensions["catalogue"], "Netzwerk 2026").survey
        survey_service.open_survey(follow)
        db.session.flush()
        for invitation in invitation_service.invitations_of_survey(follow):
            db.session.delete(invitation)  # answered below with invitations of their own
        db.session.flush()
        _answer(follow, actors, range(2))
        db.session.commit()
        return {"survey": survey.id, "wave": follow.id}


def _share(app, *survey_ids: int, free_text: bool = False) -> None:
    with app.app_context():
        for survey_id in survey_ids:
            survey = db.session.get(Survey, survey_id)
            survey.rows_for_analysts = True
            survey.rows_free_text = free_text
        db.session.commit()


def _routes(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in ("results", "waves") and "GET" in rule.methods
            and "survey_id" in rule.arguments]


def _urls(app, ids: dict[str, int], query: dict[str, str]) -> dict[str, list[str]]:
    """endpoint → URLs: every chart of the page under every format, every other route once."""
    with app.test_request_context():
        dataset = results_dataset.build_dataset(db.session.get(Survey, ids["survey"]), False, False)
        names = list(results_charts.SPECIAL_CHARTS) + [q.key for q in dataset.questions]
        db.session.remove()
        found: dict[str, list[str]] = {}
        for rule in _routes(app):
            values = {"survey_id": ids["wave"] if rule.endpoint.startswith("waves.") else ids["survey"]}
            combos = [{}]
            if "name" in rule.arguments and rule.endpoint == "results.chart":
                combos = [{"name": n, "fmt": f} for n in names for f in ("csv", "svg")]
            elif "name" in rule.arguments:
                combos = [{"name": n, "ext": "csv"} for n in ("ruecklauf", "abdeckung", "angebote", "netzwerk",
                                                              "frage-akteur.sektor")]
            if "was" in rule.arguments:
                combos = [{"was": "bericht"}, {"was": "arbeitsmappe"}]
            found[rule.endpoint] = [url_for(rule.endpoint, **values, **combo, **query) for combo in combos]
        return found


def _text(response) -> tuple[str, list[list[str]]]:
    """The readable text of a download and, for tables (CSV, XLSX), its cells."""
    data = response.data
    kind = response.headers.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        rows = [[("" if v is None else str(v)) for v in row] for sheet in book.worksheets[1:]
                if sheet.title != "Codebuch" for row in sheet.iter_rows(values_only=True)]
        book.close()
        return "\n".join(" ".join(r) for r in rows), rows
    if "pdf" in kind:
        return "\n".join(texts(reader(data))), []
    if kind.startswith("image/png"):
        return "", []
    text = data.decode("utf-8-sig", "replace")
    if kind.startswith("text/csv"):
        dialect = ";" if text.count(";") > text.count(",") else ","
        return text, list(csv.reader(io.StringIO(text), delimiter=dialect))
    return text, []


SMALL = re.compile(r"[12]")


def _small_counts(endpoint: str, rows: list[list[str]]) -> list[list[str]]:
    """Rows with a count of 1 or 2 (a count is a whole number in a cell of its own)."""
    if endpoint in ("results.codebook_csv",) or not rows:
        return []  # the codebook holds versions and flags, no counts
    return [row for row in rows[1:] if any(SMALL.fullmatch(cell.strip()) for cell in row)]


def test_every_download_as_analyst_filtered_to_one_organisation_shows_no_name_and_no_small_count(
        app, analyst_client, planner_client, ids):
    _share(app, ids["survey"], ids["wave"], free_text=True)  # even when everything is shared
    urls = _urls(app, ids, ONE)
    assert {rule.endpoint for rule in _routes(app)} <= set(urls)
    refused = []
    for endpoint, addresses in urls.items():
        for url in addresses:
            response = fetch_prepared(analyst_client, url) if endpoint in ("results.xlsx", "results.report") \
                else analyst_client.get(url)
            assert response.status_code in (200, 302, 403, 404), url
            text, rows = _text(response)
            for secret in SECRETS:
                assert secret not in text, (url, secret)
            if endpoint.startswith("results."):  # the waves pages compare whole waves (no filter)
                assert not _small_counts(endpoint, rows), (url, _small_counts(endpoint, rows)[:3])
            if response.status_code == 403 and endpoint.startswith("results."):
                refused.append(endpoint)
                assert "weniger als 3 Einrichtungen" in text
    assert {"results.responses_csv", "results.offers_csv", "results.partners_csv", "results.actors_csv",
            "results.edges_csv", "results.graphml"} <= set(refused)
    # the page says so, and offers no row download for this filter
    page = analyst_client.get(f"/results/{ids['survey']}?stadtteil=oststadt").get_data(as_text=True)
    assert 'id="rows-refused"' in page and "antworten.csv" not in page
    # the planner keeps everything
    planner = planner_client.get(f"/results/{ids['survey']}/antworten.csv?stadtteil=oststadt").get_data(as_text=True)
    assert "Sportverein Ostwind" in planner and CONTACT in planner


def test_row_downloads_refused_unless_shared_and_never_for_a_confidential_survey(app, analyst_client, ids):
    base = f"/results/{ids['survey']}"
    for path in ("/antworten.csv", "/angebote.csv", "/kooperationen.csv", "/akteure.csv", "/netzwerk-kanten.csv",
                 "/netzwerk.graphml"):
        response = analyst_client.get(base + path)
        assert response.status_code == 403, path
        assert "gibt die Planung dieser Befragung nicht an Auswertende weiter" in response.get_data(as_text=True)
    page = analyst_client.get(base).get_data(as_text=True)
    assert "Zum Schutz der Antwortenden sehen Auswertende nur Zusammengefasstes" in page
    assert FREE_TEXT not in page and "Freitexte sind Einzelangaben" in page  # free texts hidden too
    book = fetch_prepared(analyst_client, base + "/auswertung.xlsx")
    sheets = openpyxl.load_workbook(io.BytesIO(book.data), read_only=True).sheetnames
    assert not {"Antworten (lesbar)", "Antworten (Rohdaten)", "Angebote", "Kooperationen", "Akteure"} & set(sheets)
    assert "Codebuch" in sheets

    _share(app, ids["survey"])
    assert analyst_client.get(base + "/antworten.csv").status_code == 200
    with app.app_context():
        survey = db.session.get(Survey, ids["survey"])
        survey.confidential = True  # e.g. made from the network template
        db.session.commit()
    response = analyst_client.get(base + "/antworten.csv")
    assert response.status_code == 403 and "nicht namentlich" in response.get_data(as_text=True)


def test_shared_rows_are_pseudonymised_with_codes_stable_across_waves(app, analyst_client, ids):
    _share(app, ids["survey"], ids["wave"])
    first = analyst_client.get(f"/results/{ids['survey']}/antworten.csv?format=rfc4180").get_data(as_text=True)
    again = analyst_client.get(f"/results/{ids['survey']}/antworten.csv?format=rfc4180").get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in first
    assert "akteur.anmerkungen" not in first  # free texts only when the planner includes them
    rows = list(csv.DictReader(io.StringIO(first)))
    assert all(re.fullmatch(r"E-[A-HJ-NP-Z2-9]{6}", r["organisation"]) for r in rows) and first == again
    assert all(r["actor"] == r["organisation"] for r in rows)  # the register code is replaced too
    # actors and partners refer to the same codes
    actors = list(csv.DictReader(io.StringIO(analyst_client.get(
        f"/results/{ids['survey']}/akteure.csv?format=rfc4180").get_data(as_text=True))))
    assert {a["code"] for a in actors} == {r["organisation"] for r in rows} == {a["name"] for a in actors}
    partners = analyst_client.get(f"/results/{ids['survey']}/kooperationen.csv?format=rfc4180").get_data(as_text=True)
    named = {p["kooperation.partner.name"] for p in csv.DictReader(io.StringIO(partners))}
    assert named <= {a["code"] for a in actors}  # typed "Sportverein Ostwind" is that actor's code

    _share(app, ids["wave"])
    with app.app_context():  # wave 2 has two answers: the analyst gets no rows of it on its own ...
        wave = db.session.get(Survey, ids["wave"])
        assert pseudonyms.series_id(wave) == ids["survey"]
        stored = db.session.scalars(sa.select(Pseudonym)).all()
        assert {p.code for p in stored} >= {r["organisation"] for r in rows}
        assert all(not p.subject.startswith("m") or len(p.subject) == 65 for p in stored)  # no address in clear
    assert analyst_client.get(f"/results/{ids['wave']}/antworten.csv").status_code == 403
    with app.app_context():  # ... but with a third answer, the same organisations keep their codes
        wave = db.session.get(Survey, ids["wave"])
        actors_ = db.session.scalars(sa.select(Actor).order_by(Actor.id)).all()
        _answer(wave, list(actors_), range(2, 3))
        db.session.commit()
    second = list(csv.DictReader(io.StringIO(analyst_client.get(
        f"/results/{ids['wave']}/antworten.csv?format=rfc4180").get_data(as_text=True))))
    assert len(second) == 3 and {r["organisation"] for r in second} <= {r["organisation"] for r in rows}


def test_free_texts_reach_analysts_only_when_included(app, analyst_client, ids):
    base = f"/results/{ids['survey']}"
    _share(app, ids["survey"])
    assert FREE_TEXT not in analyst_client.get(base).get_data(as_text=True)
    assert FREE_TEXT not in analyst_client.get(base + "/chart/akteur.anmerkungen.csv").get_data(as_text=True)
    _share(app, ids["survey"], free_text=True)
    assert FREE_TEXT in analyst_client.get(base).get_data(as_text=True)
    rows = analyst_client.get(base + "/antworten.csv?format=rfc4180").get_data(as_text=True)
    assert FREE_TEXT in rows and OFFER in analyst_client.get(base + "/angebote.csv").get_data(as_text=True)
    assert "Kita Sonnenschein" not in rows  # the name question never, whatever is shared


def test_planner_setting_explained_and_refused_for_a_confidential_survey(app, planner_client, ids):
    page = planner_client.get(f"/surveys/{ids['survey']}/edit").get_data(as_text=True)
    assert "Einzeldaten für Auswertende freigeben" in page and "pseudonymisiert" in page
    with app.app_context():
        survey = db.session.get(Survey, ids["survey"])
        survey.confidential = True
        db.session.commit()
        version = f"survey:{survey.id}:{survey.edit_version}"
    form = {"title": "Netzwerk 2025", "rows_for_analysts": "y", "_version": version}
    response = planner_client.post(f"/surveys/{ids['survey']}/edit", data=form)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "solange die Befragung vertraulich ist" in text and 'value="Netzwerk 2025"' in text
    with app.app_context():
        survey = db.session.get(Survey, ids["survey"])
        assert not survey.rows_for_analysts and survey.confidential  # open: the promise stays


def test_the_network_template_makes_a_confidential_survey_shown_in_the_privacy_notice(app, client, planner):
    with app.app_context():
        catalogue = app.extensions["catalogue"]
        template = next(t for t in catalogue.templates if t.key == "akteursbefragung_netzwerk")
        assert template.confidential
        assert not any(t.confidential for t in catalogue.templates if t is not template)
        from survey.models import User

        user = db.session.get(User, planner[0])
        survey = survey_service.create_from_template(user.kommune, user, template, catalogue,
                                                     privacy_notice=PRIVACY)
        assert survey.confidential and not survey.rows_for_analysts
        survey_service.open_survey(survey)
        db.session.commit()
        token = invite(survey)
    welcome = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Vertraulich:" in welcome and "nicht namentlich weitergegeben" in welcome


def test_unfiltered_rows_carry_no_filter_attribute_so_a_refused_filter_cannot_be_undone(
        app, analyst_client, planner_client, ids):
    # Oststadt has one organisation: the filter is refused. The unfiltered rows must not say which
    # code is in Oststadt (nor its sector or provider type, the page's other filters).
    _share(app, ids["survey"], free_text=True)
    base = f"/results/{ids['survey']}"
    assert analyst_client.get(f"{base}/antworten.csv?stadtteil=oststadt").status_code == 403
    header = next(csv.reader(io.StringIO(analyst_client.get(f"{base}/antworten.csv?format=rfc4180")
                                         .get_data(as_text=True))))
    assert not [c for c in header if c.split(".")[:2] in (["akteur", "stadtteile"], ["akteur", "sektor"],
                                                          ["akteur", "traegerart"])]
    codebook = analyst_client.get(f"{base}/codebuch.csv?format=rfc4180").get_data(as_text=True)
    assert "akteur.stadtteile" not in codebook
    actors = list(csv.DictReader(io.StringIO(analyst_client.get(f"{base}/akteure.csv?format=rfc4180")
                                             .get_data(as_text=True))))
    assert len(actors) == 4 and all(a["sector"] == a["provider_type"] == a["districts"] == "" for a in actors)
    edges = list(csv.DictReader(io.StringIO(analyst_client.get(f"{base}/netzwerk-kanten.csv?format=rfc4180")
                                            .get_data(as_text=True))))
    assert edges and all(e["source_sector"] == e["target_sector"] == "" for e in edges)
    graphml = analyst_client.get(f"{base}/netzwerk.graphml").get_data(as_text=True)
    assert "oststadt" not in graphml and 'attr.name="sector"' not in graphml
    book = openpyxl.load_workbook(io.BytesIO(fetch_prepared(analyst_client, f"{base}/auswertung.xlsx").data),
                                  read_only=True)
    sheet_actors = list(book["Akteure"].iter_rows(values_only=True))
    assert all(not any(row[2:]) for row in sheet_actors[1:] if row and row[0])
    # Planners keep everything.
    planner_actors = planner_client.get(f"{base}/akteure.csv?format=rfc4180").get_data(as_text=True)
    assert "oststadt" in planner_actors and "sport" in planner_actors

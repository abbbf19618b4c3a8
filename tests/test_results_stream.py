"""Row-level CSV downloads are streamed from the database in chunks; their bytes are exactly those
of the export over the whole (cached) dataset, for planners and analysts, with every filter."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from analysis import export, privacy
from factories import make_survey
from survey.extensions import db
from survey.models import Actor, Survey
from survey.services import invitations as invitation_service
from survey.services import responses as response_service
from survey.services.results import dataset as results_dataset
from survey.services.results import filters as results_filters

KEYS = ["akteur.name", "akteur.sektor", "akteur.traegerart", "angebote.angebote", "kooperation.partner",
        "akteur.ansprechperson"]
# name, e-mail, sector, provider type, districts, submitted
ORGS = [
    ("Kita Sonnenschein", "kita@traeger.example", "kita", "freier_traeger", ["nordstadt"], True),
    ("Familienzentrum Nord", "fz@traeger.example", "kinder_jugendhilfe", "oeffentlicher_traeger", ["nordstadt"], True),
    ("Grundschule Süd", "gs@traeger.example", "schule", "oeffentlicher_traeger", ["suedstadt"], True),
    ("Sportverein Ost", "sv@traeger.example", "", "", ["oststadt"], False),
]
UNREGISTERED = "ohne-name@traeger.example"


def _raw(index: int, codes: list[str]) -> dict[str, list[str]]:
    name, _email, sector, provider_type, districts, _submitted = ORGS[index]
    partner = codes[(index + 1) % len(codes)]
    return {
        "akteur.name": [name], "akteur.sektor": [sector or "sport"],
        "akteur.traegerart": [provider_type or "freier_traeger"],
        "akteur.ansprechperson": ["Petra Kontakt, Leitung"],
        "angebote.angebote/0/name": [f"=Angebot {index}"], "angebote.angebote/0/lebensphasen": ["kita"],
        "angebote.angebote/0/stadtteile": districts, "angebote.angebote/0/kosten": ["kostenfrei"],
        "kooperation.partner/0/actor": [partner], "kooperation.partner/0/art": ["informationsaustausch"],
        "kooperation.partner/0/haeufigkeit": ["monatlich"],
    }


@pytest.fixture
def survey_id(app, planner) -> int:
    """Three registered organisations submitted, one registered and one unregistered (no name) in progress."""
    with app.app_context():
        survey = make_survey(planner[0], keys=KEYS, title="Stream 2026")
        actors = []
        for name, email, sector, provider_type, districts, _submitted in ORGS:
            actor = Actor(kommune_id=survey.kommune_id, name=name, sector=sector, provider_type=provider_type,
                          districts=districts, email=email)
            db.session.add(actor)
            actors.append(actor)
        db.session.flush()
        codes = [a.code for a in actors]
        for index, actor in enumerate(actors):
            organisation = "Eigener Name" if index == 1 else ""
            invitation, _token = invitation_service.invite(survey, actor.email, organisation=organisation, actor=actor)
            response = response_service.start(invitation)
            response.draft = _raw(index, codes)
            if ORGS[index][5]:
                assert response_service.submit(response) == {}
        anonymous, _token = invitation_service.invite(survey, UNREGISTERED)
        response = response_service.start(anonymous)
        response.draft = {"akteur.name": [""], "akteur.sektor": ["kita"], "akteur.ansprechperson": ["Frau Geheim"]}
        survey.rows_for_analysts = True  # the planner shares (pseudonymised) rows with analysts
        db.session.commit()
        return survey.id


def _organisations(app, survey_id: int, query: str) -> int:
    with app.test_request_context(f"/?{query}"):
        from flask import request

        filters = results_filters.Filters.from_args(MultiDict(request.args))
        dataset = filters.apply(results_dataset.build_dataset(db.session.get(Survey, survey_id), filters.include_drafts,
                                                              False))
        db.session.remove()
        return len(dataset.responses)


def _expected(app, survey_id: int, query: str, contacts: bool, what: str, dialect: str) -> bytes:
    """The download as it was built before streaming: the export over the filtered whole dataset."""
    with app.test_request_context(f"/?{query}"):
        from flask import request

        filters = results_filters.Filters.from_args(MultiDict(request.args))
        dataset = filters.apply(results_dataset.build_dataset(db.session.get(Survey, survey_id), filters.include_drafts,
                                                      contacts))
        questions = dataset.questions if contacts else privacy.row_questions(dataset.questions, False)
        body = b"".join(getattr(export, f"{what}_csv")(questions, dataset.responses, dialect))
        db.session.remove()
        return body


QUERIES = ["", "entwuerfe=1", "stadtteil=nordstadt", "stadtteil=oststadt&entwuerfe=1",
           "handlungsfeld=kita&handlungsfeld=schule", "traegerart=oeffentlicher_traeger&entwuerfe=1"]
FILES = {"responses": "antworten", "offers": "angebote", "partners": "kooperationen"}


@pytest.mark.parametrize("dialect", ["excel_de", "rfc4180"])
@pytest.mark.parametrize("who", ["planner", "analyst"])
def test_streamed_downloads_equal_the_export_of_the_whole_dataset(app, request, survey_id, who, dialect):
    client = request.getfixturevalue(f"{who}_client")
    for query in QUERIES:
        for what, name in FILES.items():
            got = client.get(f"/results/{survey_id}/{name}.csv?format={dialect}&{query}")
            if who == "analyst" and _organisations(app, survey_id, query) < 3:
                assert got.status_code == 403 and "weniger als 3 Einrichtungen" in got.get_data(as_text=True)
                continue
            assert got.status_code == 200 and got.is_streamed
            assert got.data == _expected(app, survey_id, query, who == "planner", what, dialect), (what, query)


def test_planners_see_contacts_and_addresses_analysts_never(planner_client, analyst_client, survey_id):
    url = f"/results/{survey_id}/antworten.csv?format=rfc4180&entwuerfe=1"
    planner = planner_client.get(url).get_data(as_text=True)
    analyst = analyst_client.get(url).get_data(as_text=True)
    assert UNREGISTERED in planner and "Frau Geheim" in planner and "Eigener Name" in planner
    assert "E-" in analyst and "Eigener Name" not in analyst and "Kita Sonnenschein" not in analyst
    assert UNREGISTERED not in analyst and "Frau Geheim" not in analyst and "ansprechperson" not in analyst
    assert "akteur.name" not in analyst and "=Angebot" not in analyst  # name question and free texts left out
    # the in-progress answers are parsed from the draft; without drafts only the three submitted
    assert planner.count("in_progress") == 2
    submitted = planner_client.get(f"/results/{survey_id}/antworten.csv?format=rfc4180").get_data(as_text=True)
    assert len(submitted.strip().splitlines()) == 1 + 3 and "in_progress" not in submitted


def test_stream_reads_in_chunks_and_yields_the_datasets_records(app, survey_id):
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        for include_drafts, contacts in ((True, True), (True, False), (False, True)):
            filters = results_filters.Filters(include_drafts=include_drafts)
            questions = results_dataset.export_questions(survey, contacts)
            streamed = list(results_dataset.stream_responses(survey, questions, filters, contacts, chunk=2))
            whole = results_dataset.build_dataset(survey, include_drafts, contacts)
            assert streamed == list(whole.responses)
            assert [r.values for r in streamed] == [r.values for r in whole.responses]
            assert questions == whole.questions
        db.session.remove()


def test_offers_and_partners_of_a_survey_without_them_are_not_found(app, planner, planner_client):
    with app.app_context():
        survey_id = make_survey(planner[0], keys=["akteur.name"]).id
    assert planner_client.get(f"/results/{survey_id}/angebote.csv").status_code == 404
    assert planner_client.get(f"/results/{survey_id}/kooperationen.csv").status_code == 404
    assert planner_client.get(f"/results/{survey_id}/antworten.csv").status_code == 200

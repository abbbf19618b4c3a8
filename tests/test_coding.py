"""Coding free-text answers into categories, as a planner does it over HTTP: the coding page, categories,
assigning several texts at once, suggestions accepted and rejected, the chart and the exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from factories import make_survey
from survey.extensions import db
from survey.models import AuditEntry, Response
from survey.services import invitations as invitation_service
from survey.services import responses as response_service
from survey.services import surveys as survey_service

KEY = "netzwerk.themen"
ANSWERS = [
    ["Übergang Kita – Schule", "Sprachförderung"],
    ["Übergang Kita-Schule", "Sprachfoerderung"],
    ["uebergang kita-schule", "Kinderschutz"],
    ["Übergang Kita–Grundschule", "Sprachfördrung"],
]


@pytest.fixture
def survey_id(app, planner) -> int:
    """A closed survey whose four respondents named topics in several spellings."""
    with app.app_context():
        survey = make_survey(planner[0], keys=["netzwerk.wirkungskreis", KEY])
        for n, topics in enumerate(ANSWERS):
            invitation, _token = invitation_service.invite(survey, f"org{n}@traeger.example", organisation=f"Org {n}")
            response = response_service.start(invitation)
            response.draft = {"netzwerk.wirkungskreis": ["stadtteil"],
                              **{f"{KEY}/{i}": [t] for i, t in enumerate(topics)}}
            assert response_service.submit(response) == {}
        survey_service.close_survey(survey)
        db.session.commit()
        return survey.id


def _page(client, survey_id: int) -> str:
    response = client.get(f"/surveys/{survey_id}/kodieren/{KEY}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _texts(page: str) -> dict[str, str]:
    """Shown text → its checkbox value (the normal form)."""
    pairs = re.findall(r'name="text" value="([^"]+)" id="(text-\d+)"', page)
    labels = dict(re.findall(r'<label for="(text-\d+)" class="inline-label plain">([^<]+)</label>', page))
    return {labels[ident]: value for value, ident in pairs}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _category_ids(page: str) -> dict[str, str]:
    return {label: value for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)}


def _chart_rows(client, survey_id: int) -> list[list[str]]:
    response = client.get(f"/results/{survey_id}/chart/{KEY}.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_planner_codes_spellings_into_categories_and_the_chart_counts_them(app, planner_client, survey_id):
    before = _chart_rows(planner_client, survey_id)
    spellings = [row[0] for row in before if row and row[0].casefold().startswith(("übergang", "uebergang"))]
    assert len(spellings) == 4  # counted by spelling

    page = _page(planner_client, survey_id)
    texts = _texts(page)
    # one normal form for the three spellings of the same topic; the other spellings shown beside it
    assert texts["Übergang Kita – Schule"] == "uebergang kita-schule" and len(texts) == 5
    assert "auch:" in page
    assert re.search(r"ähnlich: Sprachfördrung \(\d+\)", page)  # a hint before any category exists
    token = _csrf(page)

    # several at once into a new category
    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/zuordnen", data={
        "csrf_token": token, "text": [texts["Übergang Kita – Schule"], texts["Übergang Kita–Grundschule"]],
        "ziel": "neu", "neu_name": "Übergänge"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 Texte der Kategorie „Übergänge“ zugeordnet." in page

    planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/kategorie", data={"csrf_token": token,
                                                                              "name": "Sprache"})
    page = _page(planner_client, survey_id)
    ids = _category_ids(page)
    planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/zuordnen", data={
        "csrf_token": token, "text": [texts["Sprachförderung"]], "ziel": ids["Sprache"]})

    # "Sprachfördrung" is suggested for "Sprache" with a score; accept it
    page = _page(planner_client, survey_id)
    assert 'id="coding-suggestions"' in page
    suggestion = re.search(r'<td data-label="Text">Sprachfördrung</td>\s*<td data-label="Kategorie">Sprache</td>\s*'
                           r'<td data-label="Ähnlichkeit">(\d+)</td>', page)
    assert suggestion and int(suggestion.group(1)) >= 70
    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/vorschlag", data={
        "csrf_token": token, "text": texts["Sprachfördrung"], "kategorie": ids["Sprache"],
        "entscheidung": "annehmen"}, follow_redirects=True)
    assert "Vorschlag angenommen" in response.get_data(as_text=True)

    rows = _chart_rows(planner_client, survey_id)
    counts = {row[0]: row[1] for row in rows[1:] if len(row) > 1}
    assert counts["Übergänge"] == "4" and counts["Sprache"] == "3" and counts["nicht zugeordnet"] == "1"

    # the raw answers stay; the export has the category column next to the question
    with app.app_context():
        answers = db.session.scalars(sa.select(Response.answers).where(Response.survey_id == survey_id)
                                     .order_by(Response.id)).all()
        assert [a[KEY] for a in answers] == ANSWERS
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("coding.%"))).all()
        assert len(entries) >= 4
        for entry in entries:  # category names and counts, never an answer text
            assert "Sprachfördrung" not in entry.description and "Kita – Schule" not in entry.description
    export = planner_client.get(f"/results/{survey_id}/antworten.csv?variante=rohdaten&format=rfc4180")
    table = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row[f"{KEY}/kategorie"] for row in table) == sorted(
        [f"k{ids['Übergänge']}|k{ids['Sprache']}"] * 2 + [f"k{ids['Übergänge']}|nicht_zugeordnet",
                                                         f"k{ids['Übergänge']}|k{ids['Sprache']}"])
    readable = planner_client.get(f"/results/{survey_id}/antworten.csv?variante=lesbar&format=rfc4180")
    header = next(csv.reader(io.StringIO(readable.get_data(as_text=True).lstrip("\ufeff"))))
    assert any(h.endswith("– Kategorie") for h in header)


def test_rejected_suggestion_is_not_suggested_again_and_deleting_a_category_frees_its_texts(planner_client,
                                                                                              survey_id):
    page = _page(planner_client, survey_id)
    token, texts = _csrf(page), _texts(page)
    planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/zuordnen", data={
        "csrf_token": token, "text": [texts["Sprachförderung"]], "ziel": "neu", "neu_name": "Sprache"})
    page = _page(planner_client, survey_id)
    category = _category_ids(page)["Sprache"]
    assert "Sprachfördrung</td>" in page
    planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/vorschlag", data={
        "csrf_token": token, "text": texts["Sprachfördrung"], "kategorie": category, "entscheidung": "ablehnen"})
    page = _page(planner_client, survey_id)
    assert "Sprachfördrung</td>" not in page

    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/kategorie/{category}/loeschen",
                                   data={"csrf_token": token}, follow_redirects=True)
    assert "Kategorie „Sprache“ gelöscht; 1 Text ist wieder nicht zugeordnet." in response.get_data(as_text=True)
    assert len(_chart_rows(planner_client, survey_id)) > 4  # back to counting spellings


def test_bad_input_gets_a_german_message_and_keeps_what_was_typed(planner_client, survey_id):
    page = _page(planner_client, survey_id)
    token, texts = _csrf(page), _texts(page)
    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/zuordnen", data={
        "csrf_token": token, "ziel": "neu", "neu_name": "Übergänge"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bitte mindestens einen Text ankreuzen." in page and 'value="Übergänge"' in page

    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/zuordnen", data={
        "csrf_token": token, "text": [texts["Kinderschutz"]], "ziel": "neu", "neu_name": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Bitte einen Namen für die Kategorie eingeben." in page
    assert re.search(rf'value="{texts["Kinderschutz"]}" id="text-\d+"\s*checked', page)

    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/zuordnen", data={
        "csrf_token": token, "text": [texts["Kinderschutz"]], "ziel": "9" * 30})
    assert response.status_code == 422
    assert "Bitte eine Kategorie wählen oder eine neue benennen." in response.get_data(as_text=True)

    planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/kategorie", data={"csrf_token": token, "name": "Schutz"})
    response = planner_client.post(f"/surveys/{survey_id}/kodieren/{KEY}/kategorie",
                                   data={"csrf_token": token, "name": "schutz"})
    assert response.status_code == 422
    assert "Die Kategorie „schutz“ gibt es bei dieser Frage schon." in response.get_data(as_text=True)


def test_only_text_questions_of_the_own_kommune_can_be_coded_and_only_by_planners(app, planner_client,
                                                                                  analyst_client, survey_id):
    assert planner_client.get(f"/surveys/{survey_id}/kodieren/netzwerk.wirkungskreis").status_code == 404
    assert analyst_client.get(f"/surveys/{survey_id}/kodieren/{KEY}").status_code == 403
    index = planner_client.get(f"/surveys/{survey_id}/kodieren").get_data(as_text=True)
    assert f"/kodieren/{KEY}" in index and "netzwerk.wirkungskreis" not in index
    results = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    assert f"/surveys/{survey_id}/kodieren/{KEY}" in results

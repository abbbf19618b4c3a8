"""The questionnaire on paper: the print view and its PDF list every question of the survey."""

from __future__ import annotations

import html
import re

from flask import current_app

import pdfcheck
from factories import make_survey
from survey.extensions import db
from survey.models import Survey


def _every_catalogue_question(app, planner) -> int:
    with app.app_context():
        catalogue = current_app.extensions["catalogue"]
        keys = [q.key for m in catalogue.modules for q in m.questions]
        survey = make_survey(planner[0], keys=keys, open_it=False, title="Alles auf Papier 2026")
        return survey.id


def _items(app, survey_id):
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        return [item.to_question(survey.district_options()) for item in survey.items]


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_print_view_lists_every_question_with_boxes_lines_and_conditions(app, planner, planner_client):
    survey_id = _every_catalogue_question(app, planner)
    page = planner_client.get(f"/surveys/{survey_id}/druck")
    assert page.status_code == 200
    text = _plain(html.unescape(page.get_data(as_text=True)))
    questions = _items(app, survey_id)
    assert len(questions) > 20
    kinds = {q.kind for q in questions}
    assert {"single_choice", "multiple_choice", "matrix", "group", "partner_roster", "info", "long_text"} <= kinds
    for q in questions:
        assert _plain(q.prompt) in text, q.key
        for option in q.options:
            assert _plain(option.label) in text, (q.key, option.code)
        for sub in q.fields:
            assert _plain(sub.prompt) in text, sub.key
    assert "Nur beantworten, wenn" in text
    assert "Jahreszahl, mindestens 1950" in text  # a year is no number with a thousands separator
    assert text.count('class="box"') > 100 and 'class="line"' in text
    assert "Eintrag 3" in text and "Kooperationspartner 1" in text  # groups as repeated blocks
    assert f"/results/{survey_id}/codebuch.csv" in text


def test_questionnaire_pdf_carries_every_prompt_on_numbered_a4_pages(app, planner, planner_client):
    survey_id = _every_catalogue_question(app, planner)
    response = planner_client.get(f"/surveys/{survey_id}/fragebogen.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pdfcheck.reader(response.data)
    pages = pdfcheck.texts(pdf)
    for number, (page, text) in enumerate(zip(pdf.pages, pages, strict=True), start=1):
        assert pdfcheck.is_a4(page) and f"Seite {number} von {len(pages)}" in text, number
    text = _plain(" ".join(pages))
    for q in _items(app, survey_id):
        assert _plain(q.prompt) in text, q.key
    assert pdf.trailer["/Root"]["/Lang"] == "de" and "Alles auf Papier 2026" in pdf.metadata.title


def test_codebook_of_a_draft_survey_lists_its_questions(app, planner, planner_client):
    survey_id = _every_catalogue_question(app, planner)
    codebook = planner_client.get(f"/results/{survey_id}/codebuch.csv").get_data(as_text=True)
    for q in _items(app, survey_id):
        if q.kind != "info":
            assert q.key in codebook, q.key


def test_only_the_surveys_planners_get_the_paper_version(app, planner, analyst_client):
    survey_id = _every_catalogue_question(app, planner)
    assert analyst_client.get(f"/surveys/{survey_id}/druck").status_code == 403
    assert analyst_client.get(f"/surveys/{survey_id}/fragebogen.pdf").status_code == 403

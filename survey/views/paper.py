"""The questionnaire on paper, for planners: a print view (HTML with a print stylesheet) and the
same as PDF, for organisations that answer on paper."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template

from analysis.pdf import html_to_pdf

from ..services import survey_pages
from ..services import surveys as survey_service
from ..services.results import files as results_files
from .access import own_survey, planner_required

bp = Blueprint("paper", __name__, url_prefix="/surveys")
GROUP_BLOCKS = 3  # repeated blocks printed for a group (offers); more on an extra sheet
PARTNER_BLOCKS = 5


def _page(survey_id: int, pdf: bool) -> str:
    survey = own_survey(survey_id)
    conditions = {key: text.replace("Nur wenn", "Nur beantworten, wenn", 1) + "."
                  for key, text in survey_service.condition_texts(survey, current_app.extensions["catalogue"]).items()}
    # The browser links static/paper.css (the CSP allows no inline style); WeasyPrint gets it inline.
    paper_css = (Path(current_app.static_folder or "") / "paper.css").read_text(encoding="utf-8") if pdf else ""
    return render_template("paper/questionnaire.html", survey=survey, pdf=pdf, conditions=conditions,
                           paper_css=paper_css,
                           pages=survey_pages.pages_with_questions(survey),
                           group_blocks=GROUP_BLOCKS, partner_blocks=PARTNER_BLOCKS)


@bp.route("/<int:survey_id>/druck")
@planner_required
def print_view(survey_id: int):
    """Every page and question with boxes to tick and lines to write on; print it from the browser."""
    return _page(survey_id, pdf=False)


@bp.route("/<int:survey_id>/fragebogen.pdf")
@planner_required
def pdf(survey_id: int):
    """The print view as a tagged A4 PDF."""
    survey = own_survey(survey_id)
    body = html_to_pdf(_page(survey_id, pdf=True))
    name = f"befragung-{survey.id}-{results_files.file_slug(survey.title)}-fragebogen.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})

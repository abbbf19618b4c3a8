"""Results for planners and analysts: overview, a chart per question, downloads."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from analysis import charts, export
from analysis.overview import overview

from ..services.results import build_dataset
from ..services.surveys import surveys_of_kommune
from .access import own_survey

bp = Blueprint("results", __name__, url_prefix="/results")
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
DIALECTS = {"excel_de": "Excel (Deutsch)", "rfc4180": "RFC 4180 (Komma)"}


def _options() -> dict:
    """Filters from the query string that apply to every chart of the page."""
    return {"include_drafts": request.args.get("entwuerfe") == "1"}


def _dataset(survey):
    options = _options()
    dataset = build_dataset(survey, include_drafts=options["include_drafts"])
    return dataset.filter(submitted_only=not options["include_drafts"])


def _min_group() -> int:
    return current_app.config["MIN_GROUP_SIZE"]


@bp.route("/")
@login_required
def index():
    return render_template("results/index.html", surveys=surveys_of_kommune(current_user.kommune_id))


@bp.route("/<int:survey_id>")
@login_required
def show(survey_id: int):
    survey = own_survey(survey_id)
    full = build_dataset(survey, include_drafts=True)
    dataset = full.filter(submitted_only=not _options()["include_drafts"])
    charted = [q for q in dataset.questions if q.kind != "info"]
    return render_template(
        "results/show.html", survey=survey, overview=overview(full.invitations), dataset=dataset,
        questions=charted, options=_options(), dialects=DIALECTS,
    )


@bp.route("/<int:survey_id>/chart/<key>.<fmt>")
@login_required
def chart(survey_id: int, key: str, fmt: str):
    survey = own_survey(survey_id)
    if fmt not in FORMATS:
        abort(404)
    dataset = _dataset(survey)
    question = dataset.question(key)
    if question is None:
        abort(404)
    figure = charts.chart_for(dataset, question, min_group=_min_group(), planner=current_user.can_plan)
    if figure is None:
        abort(404)
    data = charts.render(figure, fmt)
    return Response(data, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'inline; filename="{survey.id}-{key}.{fmt}"'})


@bp.route("/<int:survey_id>/antworten.csv")
@login_required
def responses_csv(survey_id: int):
    survey = own_survey(survey_id)
    dialect = request.args.get("format", "excel_de")
    if dialect not in DIALECTS:
        abort(404)
    dataset = _dataset(survey)
    chunks = export.responses_csv(dataset.questions, dataset.responses, dialect)
    return Response(chunks, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="befragung-{survey.id}-antworten.csv"'})

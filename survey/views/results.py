"""Results for planners and analysts: counts, charts, downloads (placeholder until analysis is wired)."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..services.surveys import surveys_of_kommune
from .access import own_survey

bp = Blueprint("results", __name__, url_prefix="/results")


@bp.route("/")
@login_required
def index():
    return render_template("results/index.html", surveys=surveys_of_kommune(current_user.kommune_id))


@bp.route("/<int:survey_id>")
@login_required
def show(survey_id: int):
    survey = own_survey(survey_id)
    return render_template("results/show.html", survey=survey)

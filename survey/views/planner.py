"""Planner pages: the survey list, building a survey from the catalogue, opening it, inviting."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import SurveyForm
from ..models import SurveyItem
from ..services import surveys as survey_service
from ..services.surveys import SurveyError
from .access import own_survey, planner_required

bp = Blueprint("planner", __name__, url_prefix="/surveys")


@bp.route("/")
@planner_required
def index():
    surveys = survey_service.surveys_of_kommune(current_user.kommune_id)
    return render_template("planner/index.html", surveys=surveys)


@bp.route("/new", methods=["GET", "POST"])
@planner_required
def new():
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            survey = survey_service.create_survey(
                current_user.kommune, current_user, form.title.data, **form.settings()
            )
        except SurveyError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Die Befragung ist angelegt. Wählen Sie nun Fragen aus dem Katalog.", "success")
            return redirect(url_for("planner.detail", survey_id=survey.id))
    elif request.method == "GET":
        form.contact_name.data = current_user.display_name
        form.contact_email.data = current_user.email
    return render_template("planner/edit.html", form=form, survey=None)


@bp.route("/<int:survey_id>")
@planner_required
def detail(survey_id: int):
    survey = own_survey(survey_id)
    catalogue = current_app.extensions["catalogue"]
    chosen = {item.key for item in survey.items}
    return render_template("planner/detail.html", survey=survey, catalogue=catalogue, chosen=chosen)


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@planner_required
def edit(survey_id: int):
    survey = own_survey(survey_id)
    form = SurveyForm(obj=survey)
    if form.validate_on_submit():
        survey.title = form.title.data.strip()
        for name, value in form.settings().items():
            setattr(survey, name, value)
        db.session.commit()
        flash("Die Angaben sind gespeichert.", "success")
        return redirect(url_for("planner.detail", survey_id=survey.id))
    return render_template("planner/edit.html", form=form, survey=survey)


@bp.route("/<int:survey_id>/items", methods=["POST"])
@planner_required
def add_item(survey_id: int):
    survey = own_survey(survey_id)
    catalogue = current_app.extensions["catalogue"]
    question = catalogue.get(request.form.get("key", ""))
    if question is None:
        abort(404)
    try:
        survey_service.add_question(survey, question)
    except SurveyError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Hinzugefügt: {question.prompt}", "success")
    return redirect(url_for("planner.detail", survey_id=survey.id, _anchor=f"m-{question.module}"))


@bp.route("/<int:survey_id>/items/<int:item_id>/delete", methods=["POST"])
@planner_required
def remove_item(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = db.session.get(SurveyItem, item_id)
    if item is None or item.survey_id != survey.id:
        abort(404)
    try:
        survey_service.remove_item(survey, item)
    except SurveyError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Die Frage ist entfernt.", "success")
    return redirect(url_for("planner.detail", survey_id=survey.id))


@bp.route("/<int:survey_id>/open", methods=["POST"])
@planner_required
def open_(survey_id: int):
    survey = own_survey(survey_id)
    try:
        survey_service.open_survey(survey)
    except SurveyError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Die Befragung ist geöffnet. Sie können jetzt Einladungen verschicken.", "success")
    return redirect(url_for("planner.detail", survey_id=survey.id))


@bp.route("/<int:survey_id>/close", methods=["POST"])
@planner_required
def close(survey_id: int):
    survey = own_survey(survey_id)
    try:
        survey_service.close_survey(survey)
    except SurveyError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Die Befragung ist abgeschlossen.", "success")
    return redirect(url_for("planner.detail", survey_id=survey.id))

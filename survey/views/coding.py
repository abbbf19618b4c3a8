"""The coding pages: a survey's free-text questions, and per question its distinct answer texts, the
categories, assigning texts (several at once) and the ranked suggestions to accept or reject.

Planners only, in every state of the survey (coding is analysis; the answers stay as given). Every
form works without JavaScript; after a change the page comes back with the message at its place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from analysis import coding as coding_mod
from questionnaires import formatting as fmt
from questionnaires.model import Question

from ..extensions import db
from ..models import Survey
from ..services import coding
from ..services.coding import CodingError
from ..services.results import cache as results_cache
from .access import own_survey, planner_required

bp = Blueprint("coding", __name__, url_prefix="/surveys")

NEW, NONE = "neu", "keine"


@bp.app_template_global("codable")
def codable(question: Question) -> bool:
    """Whether the results page offers the coding page for a question."""
    return coding.codable(question)


def _posted_id(text: str) -> int | None:
    """A posted row id, None unless it is a plain number a database id can be."""
    return int(text) if text.isdigit() and len(text) < 10 else None


def _question(survey: Survey, key: str) -> Question:
    question = coding.question_of(survey, key)
    if question is None:
        abort(404)
    return question


def _answers(survey: Survey, question: Question) -> list[Any]:
    """The question's answers as typed, drafts included (a draft's texts are coded before it is sent)."""
    dataset, _key = results_cache.dataset_for(survey, include_drafts=True, contacts=True)
    return dataset.values(question.key)


def _page(survey: Survey, question: Question, status: int = 200, **kept: Any) -> Any:
    data = coding.page(survey, question, _answers(survey, question))
    return render_template("coding/question.html", survey=survey, page=data, NEW=NEW, NONE=NONE,
                           code_of=coding.category_code, kept=kept), status


def _back(survey: Survey, question: Question, anchor: str) -> Any:
    """Back to the page, at the message (top); `anchor` names the part that changed (the page's
    "weiter zu" link after the message leads there)."""
    return redirect(url_for("coding.question", survey_id=survey.id, key=question.key, weiter=anchor))


@bp.route("/<int:survey_id>/kodieren")
@planner_required
def index(survey_id: int):
    survey = own_survey(survey_id)
    codings = coding.codings_of(survey)
    questions = [(q, codings.get(q.key)) for q in coding.codable_questions(survey)]
    return render_template("coding/index.html", survey=survey, questions=questions)


@bp.route("/<int:survey_id>/kodieren/<key>")
@planner_required
def question(survey_id: int, key: str):
    survey = own_survey(survey_id)
    return _page(survey, _question(survey, key))


@bp.route("/<int:survey_id>/kodieren/<key>/kategorie", methods=["POST"])
@planner_required
def add_category(survey_id: int, key: str):
    survey = own_survey(survey_id)
    question_ = _question(survey, key)
    label = request.form.get("name", "")
    try:
        found = coding.add_category(survey, question_, label)
    except CodingError as error:
        db.session.rollback()
        return _page(survey, question_, 422, new_name=label, new_error=str(error))
    db.session.commit()
    flash(f"Kategorie „{found.label}“ angelegt.", "success")
    return _back(survey, question_, "kategorien")


@bp.route("/<int:survey_id>/kodieren/<key>/kategorie/<int:category_id>/umbenennen", methods=["POST"])
@planner_required
def rename_category(survey_id: int, key: str, category_id: int):
    survey = own_survey(survey_id)
    question_ = _question(survey, key)
    found = coding.category(survey, key, category_id)
    if found is None:
        abort(404)
    label = request.form.get("name", "")
    try:
        coding.rename_category(survey, question_, found, label)
    except CodingError as error:
        db.session.rollback()
        return _page(survey, question_, 422, rename_id=category_id, rename_name=label, rename_error=str(error))
    db.session.commit()
    flash(f"Kategorie heißt jetzt „{found.label}“.", "success")
    return _back(survey, question_, "kategorien")


@bp.route("/<int:survey_id>/kodieren/<key>/kategorie/<int:category_id>/loeschen", methods=["POST"])
@planner_required
def delete_category(survey_id: int, key: str, category_id: int):
    survey = own_survey(survey_id)
    question_ = _question(survey, key)
    found = coding.category(survey, key, category_id)
    if found is None:
        abort(404)
    label = found.label
    freed = coding.delete_category(survey, question_, found)
    db.session.commit()
    flash(f"Kategorie „{label}“ gelöscht; {fmt.counted(freed, 'Text ist', 'Texte sind')} wieder nicht zugeordnet.",
          "success")
    return _back(survey, question_, "kategorien")


@bp.route("/<int:survey_id>/kodieren/<key>/zuordnen", methods=["POST"])
@planner_required
def assign(survey_id: int, key: str):
    survey = own_survey(survey_id)
    question_ = _question(survey, key)
    chosen = request.form.getlist("text")
    target_field = request.form.get("ziel", "")
    new_name = request.form.get("neu_name", "")
    kept = {"chosen": set(chosen), "target": target_field, "assign_name": new_name}
    known = {g.text for g in coding_mod.text_groups(_answers(survey, question_))}
    texts = [t for t in chosen if coding_mod.normalise(t) in known]
    if not texts:
        return _page(survey, question_, 422, assign_error="Bitte mindestens einen Text ankreuzen.", **kept)
    target = None
    try:
        if target_field == NEW or (not target_field and new_name.strip()):
            target = coding.add_category(survey, question_, new_name)
        elif target_field != NONE:
            target_id = _posted_id(target_field)
            target = coding.category(survey, key, target_id) if target_id is not None else None
            if target is None:
                raise CodingError("Bitte eine Kategorie wählen oder eine neue benennen.")
        changed = coding.assign(survey, question_, texts, target)
    except CodingError as error:
        db.session.rollback()
        return _page(survey, question_, 422, assign_error=str(error), **kept)
    db.session.commit()
    what = fmt.counted(changed, "Text", "Texte")
    flash(f"{what} der Kategorie „{target.label}“ zugeordnet." if target else f"Zuordnung von {what} aufgehoben.",
          "success")
    return _back(survey, question_, "texte")


@bp.route("/<int:survey_id>/kodieren/<key>/vorschlag", methods=["POST"])
@planner_required
def suggestion(survey_id: int, key: str):
    survey = own_survey(survey_id)
    question_ = _question(survey, key)
    text = request.form.get("text", "")
    category_id = request.form.get("kategorie", "")
    target_id = _posted_id(category_id)
    target = coding.category(survey, key, target_id) if target_id is not None else None
    known = {g.text for g in coding_mod.text_groups(_answers(survey, question_))}
    if target is None or coding_mod.normalise(text) not in known:
        flash("Dieser Vorschlag gilt nicht mehr; die Liste ist neu berechnet.", "error")
        return _back(survey, question_, "vorschlaege")
    if request.form.get("entscheidung") == "annehmen":
        coding.accept(survey, question_, text, target)
        message = f"Vorschlag angenommen: der Text gehört jetzt zu „{target.label}“."
    else:
        coding.reject(survey, question_, text, target)
        message = f"Vorschlag abgelehnt: der Text wird für „{target.label}“ nicht mehr vorgeschlagen."
    db.session.commit()
    flash(message, "success")
    return _back(survey, question_, "vorschlaege")

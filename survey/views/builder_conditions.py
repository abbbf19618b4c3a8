"""The builder's "Bedingung" page of a question ("nur zeigen, wenn …"): clauses on earlier questions,
combined with "und" or "oder". A plain server form: choosing a question and pressing "Übernehmen"
shows the operators and answers that fit it; nothing is stored before "Speichern"."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from questionnaires.conditions import operators_for
from questionnaires.model import AND, OPERATOR_LABELS, OR

from ..extensions import db
from ..models import Survey, SurveyItem
from ..services import conditions as service
from ..services import surveys as survey_service
from ..services.surveys import SurveyError
from . import edit_conflicts as edits
from .access import own_survey, planner_required

bp = Blueprint("builder_conditions", __name__, url_prefix="/surveys")

_ROW = re.compile(r"q-(\d+)")
MAX_ROWS = 10


def _item(survey: Survey, item_id: int) -> SurveyItem:
    item = db.session.get(SurveyItem, item_id)
    if item is None or item.survey_id != survey.id:
        abort(404)
    return item


def _posted_rows() -> list[service.Row]:
    numbers = sorted({int(m.group(1)) for name in request.form if (m := _ROW.fullmatch(name))})[:MAX_ROWS]
    return [service.Row(request.form.get(f"q-{n}", "").strip(), request.form.get(f"op-{n}", "").strip(),
                        request.form.getlist(f"v-{n}"), request.form.get(f"num-{n}", "")[:40])
            for n in numbers]


def _back(survey: Survey, item: SurveyItem):
    return redirect(url_for("planner.detail", survey_id=survey.id, _anchor=f"item-{item.id}"))


def _page(survey: Survey, item: SurveyItem, combinator: str, rows: list[service.Row],
          checked: service.Checked | None = None, notice: str = "", status: int = 200):
    earlier = service.earlier_questions(survey, item)
    by_key = {q.key: q for q in earlier}
    current = service.stored(item)
    return render_template(
        "planner/condition.html", survey=survey, item=item, combinator=combinator, rows=rows or [service.Row()],
        earlier=earlier, by_key=by_key, operators_for=operators_for, labels=OPERATOR_LABELS,
        all_operators=list(OPERATOR_LABELS), choices=service.choices, checked=checked or service.Checked(),
        current=survey_service.condition_texts(survey, _catalogue()).get(item.key) if current else "",
        notice=notice, max_rows=MAX_ROWS,
        # after a stale save the form takes the stored version, so a second "Speichern" goes through
        version=f"{SurveyItem.__tablename__}:{item.id}:{item.edit_version}" if notice else edits.edit_version(item),
    ), status


def _catalogue():
    return current_app.extensions["catalogue"]


@bp.route("/<int:survey_id>/items/<int:item_id>/bedingung", methods=["GET", "POST"])
@planner_required
def edit(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _item(survey, item_id)
    try:
        survey_service.require_draft(survey)
    except SurveyError as error:
        flash(str(error), "error")
        return _back(survey, item)
    if request.method == "GET":
        current = service.stored(item)
        return _page(survey, item, current.combinator if current else AND, service.rows_of(current))
    combinator = request.form.get("combinator", AND)
    combinator = combinator if combinator in (AND, OR) else AND
    rows = _posted_rows()
    action = request.form.get("action", "save")
    if action == "clear":
        if service.set_condition(survey, item, None):
            edits.bump(item)
            db.session.commit()
            flash(f"Die Bedingung ist entfernt: „{item.prompt}“ wird immer gezeigt.", "success")
        return _back(survey, item)
    if action == "add":
        if len(rows) < MAX_ROWS:
            rows.append(service.Row())
        return _page(survey, item, combinator, rows)
    if action.startswith("remove-") and action[7:].isdigit():
        index = int(action[7:])
        rows = [row for n, row in enumerate(rows) if n != index]
        return _page(survey, item, combinator, rows)
    if action != "save":  # "Übernehmen": show what fits the questions chosen, nothing stored
        return _page(survey, item, combinator, rows)
    checked = service.check(survey, item, combinator, rows)
    if not checked.ok:
        return _page(survey, item, combinator, rows, checked, status=422)
    if edits.posted_version(item) not in (None, item.edit_version):
        return _page(survey, item, combinator, rows, notice=(
            "Die Bedingung dieser Frage wurde inzwischen in einem anderen Fenster geändert. Oben steht, was jetzt "
            "gespeichert ist; Ihre Auswahl steht unten. Klicken Sie noch einmal auf „Speichern“, um Ihre Fassung "
            "zu übernehmen."), status=409)
    if service.set_condition(survey, item, checked.condition):
        edits.bump(item)
    db.session.commit()
    text = survey_service.condition_texts(survey, _catalogue()).get(item.key, "")
    flash(f"Die Bedingung ist gespeichert: {text}.", "success")
    return _back(survey, item)

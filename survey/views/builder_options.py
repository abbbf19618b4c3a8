"""The builder's "Antworten anpassen" page: add, hide and reword the options of a catalogue question
for one draft survey (rules in `services/option_adaptation`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from questionnaires import formatting as fmt

from ..extensions import db
from ..models import SurveyItem
from ..services import option_adaptation as adaptation
from ..services.surveys import SurveyError, require_draft
from . import edit_conflicts as edits
from .access import own_survey, planner_required

bp = Blueprint("builder_options", __name__, url_prefix="/surveys")
# The builder list asks it for the "Antworten" link of each item.
bp.add_app_template_global(adaptation.adaptable, "options_adaptable")


def _stored(item: SurveyItem) -> dict[str, object]:
    """The stored labels and hidden codes by form field (for the edit-conflict check); as "new" the
    options a colleague added since the posted form was shown (they have no label field in it)."""
    question = item.to_question()
    shown = {name.removeprefix("label-") for name in request.form if name.startswith("label-")}
    return {**{f"label-{o.code}": o.label for o in question.options if o.code in shown},
            "hide": list(question.hidden),
            "new": "\n".join(o.label for o in question.options if o.code in question.added and o.code not in shown)}


@bp.route("/<int:survey_id>/items/<int:item_id>/antworten", methods=["GET", "POST"])
@planner_required
def edit(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = db.session.get(SurveyItem, item_id)
    if item is None or item.survey_id != survey.id:
        abort(404)
    back = url_for("planner.detail", survey_id=survey.id, _anchor=f"item-{item.id}")
    try:
        require_draft(survey)
        if not adaptation.adaptable(item):
            raise SurveyError("Bei dieser Frage lassen sich die Antworten nicht anpassen (nur Auswahlfragen aus dem "
                              "Katalog; Skalen bleiben, wie sie sind).")
    except SurveyError as error:
        flash(str(error), "error")
        return redirect(back)
    question = item.to_question()
    proposal = adaptation.Proposal(labels={o.code: o.label for o in question.options}, hidden=set(question.hidden))
    problems: dict[str, str] = {}
    if request.method == "POST":
        proposal = adaptation.Proposal(
            # An option without a field (added by a colleague since the form was shown) keeps its label.
            labels={o.code: request.form.get(f"label-{o.code}", o.label) for o in question.options},
            hidden=set(request.form.getlist("hide")), removed=set(request.form.getlist("remove")),
            new=request.form.get("new", ""), after=request.form.get("after", ""))
        conflict = edits.claim(item, lambda: _stored(item), {
            **{f"label-{o.code}": f"Antwort „{o.label}“" for o in question.options}, "hide": "Ausgeblendet",
            "new": "Neue Antworten"})
        if conflict:
            return edits.conflict_page(conflict, item.prompt)
        try:
            added = adaptation.adapt(survey, item, proposal)
        except adaptation.AdaptationRefused as refused:
            db.session.rollback()
            problems = refused.problems
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(back)
        else:
            db.session.commit()
            text = "Die Antworten sind für diese Befragung gespeichert."
            if added:
                text += " " + fmt.counted(len(added), "neue Antwort", "neue Antworten") + " ergänzt."
            flash(text, "success")
            return redirect(back)
    return render_template(
        "planner/options.html", survey=survey, item=item, question=question, proposal=proposal, problems=problems,
        removable=adaptation.removable(survey, item), origin=adaptation.origin,
    ), 422 if problems else 200

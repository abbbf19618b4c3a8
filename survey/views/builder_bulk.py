"""Adding several catalogue questions at once: the catalogue page's checkboxes and its button
"n ausgewählt – hinzufügen" (routes on the planner blueprint)."""

from __future__ import annotations

from flask import current_app, flash, request

from ..services import surveys as survey_service
from .access import own_survey, planner_required
from .planner import _act, _added_message, _back_to_catalogue, _own_page, bp

bp.add_app_template_global(survey_service.page_label, "page_label")


@bp.route("/<int:survey_id>/items/mehrere", methods=["POST"])
@planner_required
def add_items(survey_id: int):
    """Add the ticked catalogue questions in catalogue order to the chosen page, then back to the
    catalogue at the first of them (its message is shown there)."""
    survey = own_survey(survey_id)
    catalogue = current_app.extensions["catalogue"]
    wanted = set(request.form.getlist("keys"))
    questions = [q for module in catalogue.modules for q in module.questions if q.key in wanted]
    if not questions:
        flash("Bitte kreuzen Sie zuerst die Fragen an, die Sie hinzufügen möchten.", "error")
        return _back_to_catalogue(survey)
    page = _own_page(survey, request.form.get("seite", type=int))
    _act(lambda: survey_service.add_questions(survey, questions, catalogue, page), _added_message)
    return _back_to_catalogue(survey, f"q-{questions[0].key}")

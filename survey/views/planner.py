"""Planner pages: the survey list, the questionnaire builder, the preview, opening and closing.

Every builder action is a small POST form (works without JavaScript) that calls one service,
commits and redirects back to where the planner was. A survey that is no longer a draft refuses
every change with the German message of `surveys.require_draft`, except a wording correction of an
open survey's question (`correct`, rules in `services/corrections`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS
from questionnaires.model import Catalogue, Question
from questionnaires.serialize import question_to_dict

from ..extensions import db
from ..forms import CorrectionForm, NewSurveyForm, OwnQuestionForm, RewordForm, SurveyForm
from ..models import Invitation, Survey, SurveyItem, SurveyPage, SurveyState
from ..services import corrections, lifecycle, retention, rosters, row_access, survey_pages, test_run
from ..services import invitations as invitation_service
from ..services import kommune as kommune_service
from ..services import surveys as survey_service
from ..services import waves as wave_service
from ..services.surveys import SurveyError, options_from_lines
from . import edit_conflicts as edits
from .access import own_survey, planner_required

Result = TypeVar("Result")  # what a service call of `_act` returns

bp = Blueprint("planner", __name__, url_prefix="/surveys")

def _catalogue() -> Catalogue:
    return current_app.extensions["catalogue"]


def _as_respondent_sees(question: Question, survey: Survey) -> Question:
    """A catalogue question as it would appear in `survey` (district options filled in)."""
    item = SurveyItem(definition=question_to_dict(question), prompt=question.prompt, required=question.required)
    return item.to_question(survey.district_options())


def _rosters(survey: Survey, questions: list[Question]) -> dict[str, dict]:
    """The partner rosters as a respondent first sees them (unfiltered, nothing chosen)."""
    return rosters.rosters(survey.kommune, questions, _catalogue())


def _own_item(survey: Survey, item_id: int) -> SurveyItem:
    item = db.session.get(SurveyItem, item_id)
    if item is None or item.survey_id != survey.id:
        abort(404)
    return item


@overload
def _own_page(survey: Survey, page_id: int) -> SurveyPage: ...
@overload
def _own_page(survey: Survey, page_id: int | None) -> SurveyPage | None: ...
def _own_page(survey: Survey, page_id: int | None) -> SurveyPage | None:
    if page_id is None:
        return None
    page = db.session.get(SurveyPage, page_id)
    if page is None or page.survey_id != survey.id:
        abort(404)
    return page


def _act(action: Callable[[], Result], success: str | Callable[[Result], str]) -> Result | Literal[True] | None:
    """Run a service call: on a broken rule flash its message (nothing changes), else commit and confirm."""
    try:
        result = action()
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return None
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return result if result is not None else True


def _back_to_builder(survey: Survey, anchor: str | None = None):
    return redirect(url_for("planner.detail", survey_id=survey.id, _anchor=anchor))


def _refuse_unless_draft(survey: Survey):
    """For GET pages that only make sense while building: the freeze message and back to the survey."""
    try:
        survey_service.require_draft(survey)
    except SurveyError as error:
        flash(str(error), "error")
        return _back_to_builder(survey)
    return None


# --- surveys ------------------------------------------------------------------------------------


@bp.route("/")
@planner_required
def index():
    surveys = lifecycle.active_surveys(current_user.kommune_id)
    return render_template("planner/index.html", surveys=surveys,
                           archived=len(lifecycle.archived_surveys(current_user.kommune_id)))


@bp.route("/new", methods=["GET", "POST"])
@planner_required
def new():
    catalogue = _catalogue()
    form = NewSurveyForm()
    form.set_templates(catalogue.templates)
    if form.validate_on_submit():
        template = next((t for t in catalogue.templates if t.key == form.start.data), None)
        try:
            if template:
                survey = survey_service.create_from_template(
                    current_user.kommune, current_user, template, catalogue, form.title.data or "", **form.settings()
                )
            else:
                survey = survey_service.create_survey(
                    current_user.kommune, current_user, form.title.data or "", **form.settings()
                )
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            if template:
                flash(f"Die Befragung ist aus der Vorlage „{template.title}“ angelegt "
                      f"({len(survey.items)} Fragen). Passen Sie sie nun an.", "success")
            else:
                flash("Die Befragung ist angelegt. Wählen Sie nun Fragen aus dem Katalog.", "success")
            _warn_of_deadline(survey)
            return redirect(url_for("planner.detail", survey_id=survey.id))
    elif request.method == "GET":  # the contact block starts as the creating user's (editable)
        form.contact_name.data = current_user.display_name
        form.contact_email.data = current_user.email
        form.privacy_notice.data = current_user.kommune.privacy_default
        form.contact_phone.data = current_user.phone
    return render_template("planner/edit.html", form=form, survey=None, templates=catalogue.templates,
                           privacy_gaps=kommune_service.open_placeholders(form.privacy_notice.data or ""))


@bp.route("/<int:survey_id>")
@planner_required
def detail(survey_id: int):
    survey = own_survey(survey_id)
    return render_template(
        "planner/detail.html", survey=survey,
        conditions=survey_service.condition_texts(survey, _catalogue()),
        problems=survey_service.condition_problems(survey) if survey.is_draft else [],
        newer=survey_service.newer_in_catalogue(survey, _catalogue()) if survey.is_draft else {},
        previous=survey_service.survey_of_kommune(survey.kommune_id,
                                                  survey.previous_id) if survey.previous_id else None,
        follow_ups=wave_service.follow_ups(survey),
        prepared=len(invitation_service.invitations_of_survey(survey)) if survey.is_draft else 0,
        test_run=test_run.holdings(survey) if survey.is_draft else None,
        contacts_due=retention.deletion_due(survey),
        correction_history=corrections.history,
    )


SURVEY_FIELDS = ("title", "introduction", "privacy_notice", "contact_name", "contact_email", "contact_phone",
                 "deadline", "auto_close",
                 "confidential", "rows_for_analysts", "rows_free_text")


def _survey_texts(survey: Survey) -> dict[str, object]:
    values = {name: getattr(survey, name) for name in SURVEY_FIELDS}
    values["deadline"] = survey.deadline.isoformat() if survey.deadline else ""
    return values


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@planner_required
def edit(survey_id: int):
    survey = own_survey(survey_id)
    form = SurveyForm(obj=survey)
    if form.validate_on_submit() and _sharing_valid(survey, form):
        conflict = edits.claim(survey, lambda: _survey_texts(survey), edits.form_labels(form, SURVEY_FIELDS))
        if conflict:
            return edits.conflict_page(conflict, survey.title)
        rows, free_texts = bool(form.rows_for_analysts.data), bool(form.rows_free_text.data)
        survey_service.change_settings(survey, {
            "title": form.title.data.strip(), **form.settings(), "confidential": _confidential(survey, form),
            "rows_for_analysts": rows, "rows_free_text": free_texts and rows})
        row_access.set_sharing(survey, rows, free_texts)
        db.session.commit()
        flash("Die Angaben sind gespeichert.", "success")
        _warn_of_deadline(survey)
        return redirect(url_for("planner.detail", survey_id=survey.id))
    if request.method == "GET" and not survey.privacy_notice.strip() and survey.is_draft:
        form.privacy_notice.data = survey.kommune.privacy_default
    return render_template("planner/edit.html", form=form, survey=survey,
                           privacy_gaps=kommune_service.open_placeholders(form.privacy_notice.data or ""))


def _warn_of_deadline(survey: Survey) -> None:
    """Saved, but a deadline in the past gets a warning (`lifecycle.deadline_warning`)."""
    warning = lifecycle.deadline_warning(survey)
    if warning:
        flash(warning, "error")


def _confidential(survey: Survey, form: SurveyForm) -> bool:
    """The confidentiality promise can be given at any time, but withdrawn only while the survey is
    a draft: once it is open, respondents have read it."""
    return bool(form.confidential.data) or (survey.confidential and not survey.is_draft)


def _sharing_valid(survey: Survey, form: SurveyForm) -> bool:
    """Sharing rows with analysts is refused for a confidential survey (German message at the field)."""
    if form.rows_for_analysts.data and _confidential(survey, form):
        form.rows_for_analysts.errors = list(form.rows_for_analysts.errors) + [
            "Einzeldaten können nicht freigegeben werden, solange die Befragung vertraulich ist: ihre Texte "
            "sagen den Antwortenden zu, dass einzelne Einschätzungen nicht namentlich weitergegeben werden."]
        return False
    return True


@bp.route("/<int:survey_id>/copy", methods=["POST"])
@planner_required
def copy(survey_id: int):
    survey = own_survey(survey_id)
    duplicate = survey_service.copy_survey(survey, current_user)
    db.session.commit()
    flash(f"Die Kopie ist angelegt: „{duplicate.title}“. Sie ist ein Entwurf; ändern Sie, was nötig ist.", "success")
    return redirect(url_for("planner.detail", survey_id=duplicate.id))


# --- the catalogue ------------------------------------------------------------------------------


@bp.route("/<int:survey_id>/katalog")
@planner_required
def catalogue(survey_id: int):
    survey = own_survey(survey_id)
    refused = _refuse_unless_draft(survey)
    if refused:
        return refused
    catalogue = _catalogue()
    words = request.args.get("suche", "").strip()
    module = catalogue.module(request.args.get("modul", "")) or catalogue.modules[0]
    target_page = _target_page(survey)
    matched: dict[str, int] = {}
    if words:
        scored = catalogue.search_scored(words)
        matched = {q.key: n for q, n in scored}
        sections = [("", [q for q, _n in scored])]
    else:
        sections = [(title, [q for q in module.questions if q.section == title]) for title in module.sections]
    shown = [q for _title, questions in sections for q in questions]
    return render_template(
        "planner/catalogue.html", survey=survey, catalogue=catalogue, module=module, words=words,
        sections=sections, target_page=target_page, chosen={item.key for item in survey.items},
        matched=matched, terms=len(catalogue.search_terms(words)),
        previews={q.key: _as_respondent_sees(q, survey) for q in shown}, rosters=_rosters(survey, shown),
        conditions={q.key: survey_service.condition_text(q.condition, {}, catalogue) for q in shown if q.condition},
    )


def _target_page(survey: Survey) -> SurveyPage:
    page_id = request.values.get("seite", type=int)
    page = _own_page(survey, page_id) if page_id else None
    return page or survey.pages[-1]


def _back_to_catalogue(survey: Survey, anchor: str | None = None):
    args: dict[str, Any] = {k: v for k in ("modul", "suche", "seite") if (v := request.form.get(k))}
    return redirect(url_for("planner.catalogue", survey_id=survey.id, _anchor=anchor, **args))


def _added_message(result: survey_service.Added) -> str:
    parts = []
    if len(result.added) == 1:
        parts.append(f"Hinzugefügt: „{result.added[0].prompt}“.")
    elif result.added:
        parts.append(f"{len(result.added)} Fragen hinzugefügt: "
                     + ", ".join(f"„{item.prompt}“" for item in result.added[:5])
                     + (" …" if len(result.added) > 5 else "") + ".")
    for target, dependant in result.targets:
        parts.append(f"„{dependant.prompt}“ wird nur abhängig von der Antwort auf „{target.prompt}“ gezeigt; "
                     "diese Frage ist deshalb davor mit aufgenommen.")
    if result.skipped:
        parts.append(f"{len(result.skipped)} {'war' if len(result.skipped) == 1 else 'waren'} schon in der Befragung.")
    return " ".join(parts) or "Alle Fragen dieses Abschnitts sind schon in der Befragung."


@bp.route("/<int:survey_id>/items", methods=["POST"])
@planner_required
def add_item(survey_id: int):
    survey = own_survey(survey_id)
    catalogue = _catalogue()
    question = catalogue.get(request.form.get("key", ""))
    if question is None:
        abort(404)
    page = _own_page(survey, request.form.get("seite", type=int))
    _act(lambda: survey_service.add_questions(survey, [question], catalogue, page), _added_message)
    if request.form.get("from") == "catalogue":
        return _back_to_catalogue(survey, f"q-{question.key}")
    return _back_to_builder(survey)


@bp.route("/<int:survey_id>/items/section", methods=["POST"])
@planner_required
def add_section(survey_id: int):
    survey = own_survey(survey_id)
    catalogue = _catalogue()
    module = catalogue.module(request.form.get("modul", ""))
    section = request.form.get("section", "")
    if module is None or section not in module.sections:
        abort(404)
    page = _own_page(survey, request.form.get("seite", type=int))
    questions = [q for q in module.questions if q.section == section]
    _act(lambda: survey_service.add_questions(survey, questions, catalogue, page), _added_message)
    return _back_to_catalogue(survey)


# --- arranging ------------------------------------------------------------------------------------


@bp.route("/<int:survey_id>/items/<int:item_id>/delete", methods=["POST"])
@planner_required
def remove_item(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    prompt = item.prompt
    _act(lambda: survey_service.remove_item(survey, item), f"Entfernt: „{prompt}“.")
    return _back_to_builder(survey)


@bp.route("/<int:survey_id>/items/<int:item_id>/move", methods=["POST"])
@planner_required
def move_item(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    step = -1 if request.form.get("direction") == "up" else 1
    _act(lambda: survey_service.move_item(survey, item, step),
         "Nach oben verschoben." if step < 0 else "Nach unten verschoben.")
    return _back_to_builder(survey, f"item-{item.id}")


@bp.route("/<int:survey_id>/items/<int:item_id>/page", methods=["POST"])
@planner_required
def move_to_page(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    page = _own_page(survey, request.form.get("page_id", type=int))
    if page is None:
        abort(400)
    _act(lambda: survey_service.move_to_page(survey, item, page), f"Verschoben auf die Seite „{page.title}“.")
    return _back_to_builder(survey, f"item-{item.id}")


@bp.route("/<int:survey_id>/items/<int:item_id>/required", methods=["POST"])
@planner_required
def set_required(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    required = request.form.get("required") == "1"
    _act(lambda: survey_service.set_required(survey, item, required),
         "Als Pflichtfrage markiert." if required else "Die Frage ist keine Pflichtfrage mehr.")
    return _back_to_builder(survey, f"item-{item.id}")


@bp.route("/<int:survey_id>/pages", methods=["POST"])
@planner_required
def add_page(survey_id: int):
    survey = own_survey(survey_id)
    page = _act(lambda: survey_service.add_page(survey, request.form.get("title", "")),
                lambda p: f"Die Seite „{p.title}“ ist angelegt.")
    return _back_to_builder(survey, f"page-{page.id}" if isinstance(page, SurveyPage) else None)


@bp.route("/<int:survey_id>/pages/<int:page_id>/rename", methods=["POST"])
@planner_required
def rename_page(survey_id: int, page_id: int):
    survey = own_survey(survey_id)
    page = _own_page(survey, page_id)
    conflict = edits.claim(page, lambda: {"title": page.title}, {"title": f"Titel der Seite „{page.title}“"},
                           back_url=url_for("planner.detail", survey_id=survey.id, _anchor=f"page-{page_id}"))
    if conflict:
        return edits.conflict_page(conflict, page.title)
    _act(lambda: survey_service.rename_page(survey, page, request.form.get("title", "")),
         "Der Seitentitel ist gespeichert.")
    return _back_to_builder(survey, f"page-{page_id}")


@bp.route("/<int:survey_id>/pages/<int:page_id>/delete", methods=["POST"])
@planner_required
def delete_page(survey_id: int, page_id: int):
    survey = own_survey(survey_id)
    page = _own_page(survey, page_id)
    _act(lambda: survey_service.delete_page(survey, page), "Die Seite ist gelöscht.")
    return _back_to_builder(survey)


# --- wording and own questions ---------------------------------------------------------------------


def _wording(item: SurveyItem) -> dict[str, str]:
    """The stored wording of a question by field of the reword form."""
    question = item.to_question()
    return {"prompt": item.prompt, "help": item.definition.get("help", ""),
            **{f"option-{o.code}": o.label for o in question.options},
            **{f"item-{o.code}": o.label for o in question.items}}


@bp.route("/<int:survey_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@planner_required
def reword(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    if request.method == "GET":
        refused = _refuse_unless_draft(survey)
        if refused:
            return refused
    form = RewordForm(data={"prompt": item.prompt, "help": item.definition.get("help", "")})
    question = item.to_question()
    labels = {f"option-{o.code}": o.label for o in question.options}
    labels.update({f"item-{o.code}": o.label for o in question.items})
    if request.method == "POST":
        labels.update({name: request.form.get(name, "") for name in labels})
        if form.validate_on_submit():
            conflict = edits.claim(item, lambda: _wording(item), {
                "prompt": "Frage", "help": "Hinweis",
                **{f"option-{o.code}": f"Antwort „{o.label}“" for o in question.options},
                **{f"item-{o.code}": f"Zeile „{o.label}“" for o in question.items}})
            if conflict:
                return edits.conflict_page(conflict, item.prompt)
            options = {o.code: labels[f"option-{o.code}"] for o in question.options}
            rows = {o.code: labels[f"item-{o.code}"] for o in question.items}
            if _act(lambda: survey_service.reword(survey, item, form.prompt.data, form.help.data or "", options, rows),
                    "Die Formulierung ist für diese Befragung gespeichert."):
                return _back_to_builder(survey, f"item-{item.id}")
            if not survey.is_draft:
                return _back_to_builder(survey)
    return render_template("planner/reword.html", survey=survey, item=item, form=form, question=question,
                           labels=labels, original=survey_service.catalogue_wording(item))


def _posted_labels(prefix: str) -> tuple[tuple[str, str], ...]:
    """(code, label) of every posted `<prefix><code>` field, in the order posted."""
    return tuple((name[len(prefix):], request.form.get(name, "")) for name in request.form if name.startswith(prefix))


@bp.route("/<int:survey_id>/items/<int:item_id>/korrigieren", methods=["GET", "POST"])
@planner_required
def correct(survey_id: int, item_id: int):
    """Correct the wording of a question of an open survey (a note for those who already answered)."""
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    if survey.is_draft:
        return redirect(url_for("planner.reword", survey_id=survey.id, item_id=item.id))
    if request.method == "GET" and not survey.is_open:
        flash("Die Befragung ist abgeschlossen; ihre Fragen bleiben so, wie sie beantwortet wurden.", "error")
        return _back_to_builder(survey)
    question = item.to_question()
    form = CorrectionForm(data={"prompt": item.prompt, "help": item.definition.get("help", "")})
    labels = {f"option-{o.code}": o.label for o in question.options}
    labels.update({f"item-{o.code}": o.label for o in question.items})
    problems: list[str] = []
    if request.method == "POST":
        labels.update({name: request.form.get(name, "") for name in request.form
                       if name.startswith(("option-", "item-"))})
        if form.validate_on_submit():
            conflict = edits.claim(item, lambda: _wording(item), {
                "prompt": "Frage", "help": "Hinweis",
                **{f"option-{o.code}": f"Antwort „{o.label}“" for o in question.options},
                **{f"item-{o.code}": f"Zeile „{o.label}“" for o in question.items}})
            if conflict:
                return edits.conflict_page(conflict, item.prompt)
            proposal = corrections.Proposal(
                prompt=form.prompt.data or "", help=form.help.data or "", options=_posted_labels("option-"),
                items=_posted_labels("item-"), kind=request.form.get("kind"))
            try:
                corrections.correct(survey, item, proposal, form.note.data or "")
            except corrections.CorrectionRefused as refused:
                db.session.rollback()
                problems = [p for p in refused.problems if not any(p in found for found in refused.fields.values())]
                for name, found in refused.fields.items():
                    form[name].errors = list(form[name].errors) + found
            else:
                db.session.commit()
                flash("Die Korrektur ist gespeichert: alle Antwortenden sehen ab sofort die neue Formulierung; wer "
                      "die Seite schon gespeichert hatte, sieht dort Ihren Hinweis.", "success")
                return _back_to_builder(survey, f"item-{item.id}")
    extra = [(name, value) for name, value in labels.items()
             if name.startswith("option-") and name[len("option-"):] not in question.option_codes]
    return render_template("planner/correct.html", survey=survey, item=item, form=form, question=question,
                           labels=labels, extra=extra, problems=problems, history=corrections.history(item),
                           ), 422 if problems or form.errors else 200


@bp.route("/<int:survey_id>/items/<int:item_id>/reset", methods=["POST"])
@planner_required
def reset_wording(survey_id: int, item_id: int):
    survey = own_survey(survey_id)
    item = _own_item(survey, item_id)
    edits.bump(item)  # an open reword form of this question now notices the change
    _act(lambda: survey_service.reset_wording(survey, item), "Die Formulierung aus dem Katalog gilt wieder.")
    return _back_to_builder(survey, f"item-{item.id}")


@bp.route("/<int:survey_id>/eigene-frage", methods=["GET", "POST"])
@planner_required
def own_question(survey_id: int):
    survey = own_survey(survey_id)
    refused = _refuse_unless_draft(survey)
    if refused:
        return refused
    form = OwnQuestionForm()
    form.set_pages(survey.pages)
    if request.method == "GET":
        form.page.data = survey.pages[-1].id
    if form.validate_on_submit():
        kind = form.kind.data
        options = (survey_service.agreement_scale(_catalogue()) if KINDS[kind].own_scale
                   else options_from_lines(form.options.data or ""))
        page = _own_page(survey, form.page.data)
        item = _act(
            lambda: survey_service.add_own_question(
                survey, kind, form.prompt.data, help=form.help.data or "", options=options,
                minimum=form.bound(form.minimum), maximum=form.bound(form.maximum),
                integer=bool(form.integer.data), required=bool(form.required.data), page=page,
            ),
            lambda i: f"Die eigene Frage „{i.prompt}“ ist angelegt.",
        )
        if isinstance(item, SurveyItem):
            return _back_to_builder(survey, f"item-{item.id}")
    return render_template("planner/own_question.html", survey=survey, form=form,
                           scale=survey_service.agreement_scale(_catalogue()))


# --- preview ---------------------------------------------------------------------------------------


@bp.route("/<int:survey_id>/vorschau", defaults={"number": 1})
@bp.route("/<int:survey_id>/vorschau/<int:number>")
@planner_required
def preview(survey_id: int, number: int):
    """The questionnaire as respondents see it, page by page. Nothing is stored; no response is created."""
    survey = own_survey(survey_id)
    pages = survey_pages.pages_with_questions(survey)
    if not pages:
        flash("Die Befragung hat noch keine Fragen. Fügen Sie zuerst Fragen hinzu.", "info")
        return _back_to_builder(survey)
    if not 1 <= number <= len(pages):
        abort(404)
    page, questions = pages[number - 1]
    # Typed values come back as GET parameters (e.g. "Weiteren Eintrag hinzufügen"); they are never stored.
    raw = {name: values for name, values in request.args.to_dict(flat=False).items() if not name.startswith("_")}
    return render_template(
        "planner/preview.html", survey=survey, page=page, questions=questions, number=number,
        page_count=len(pages), raw=raw, conditions=survey_service.condition_texts(survey, _catalogue()),
        rosters=_rosters(survey, questions),
    )


# --- opening and closing ----------------------------------------------------------------------------


@bp.route("/<int:survey_id>/open", methods=["GET", "POST"])
@planner_required
def open_(survey_id: int):
    """Open the survey. With a Probelauf it asks first (GET, or a POST without `verwerfen`): the page
    says how many test invitations and answers go; confirmed, they are deleted in the same transaction."""
    survey = own_survey(survey_id)
    held = test_run.holdings(survey) if survey.is_draft else test_run.Holdings()
    if request.method == "GET" or (held and request.form.get("verwerfen") != "1"):
        refused = _refuse_unless_draft(survey)
        if refused:
            return refused
        return render_template("planner/open.html", survey=survey, held=held, check=lifecycle.open_check(survey),
                               prepared=len(invitation_service.invitations_of_survey(survey)))

    def open_and_invite() -> tuple[test_run.Holdings, int]:
        discarded = test_run.discard(survey)
        survey_service.open_survey(survey)
        return discarded, invitation_service.send_prepared(survey)  # a follow-up wave's prepared invitations

    _act(open_and_invite, lambda result: " ".join(part for part in (
        f"Die Befragung ist geöffnet. {result[1]} vorbereitete Einladungen werden jetzt verschickt." if result[1]
        else "Die Befragung ist geöffnet. Sie können jetzt Einladungen verschicken.",
        _discarded_message(result[0])) if part))
    return _back_to_builder(survey)


def _discarded_message(discarded: test_run.Holdings) -> str:
    if not discarded:
        return ""
    invitations = "Test-Einladung" if discarded.invitations == 1 else "Test-Einladungen"
    answers = "Test-Antwort" if discarded.responses == 1 else "Test-Antworten"
    return (f"Der Probelauf ist gelöscht: {fmt.number(discarded.invitations)} {invitations} und "
            f"{fmt.number(discarded.responses)} {answers}.")


@bp.route("/<int:survey_id>/close", methods=["POST"])
@planner_required
def close(survey_id: int):
    survey = own_survey(survey_id)
    _act(lambda: survey_service.close_survey(survey), lambda _result: (
        "Die Befragung ist abgeschlossen. Namen und E-Mail-Adressen der Ansprechpersonen werden am "
        f"{fmt.date(retention.deletion_due(survey))} gelöscht; die Antworten bleiben."))
    return _back_to_builder(survey)


@bp.route("/<int:survey_id>/kontaktdaten-loeschen", methods=["GET", "POST"])
@planner_required
def delete_contacts(survey_id: int):
    """Delete a closed survey's contact data at once (asks first; the answers stay)."""
    survey = own_survey(survey_id)
    if survey.state is not SurveyState.CLOSED or not retention.contacts_kept(survey):
        flash("Kontaktdaten lassen sich nur bei einer abgeschlossenen Befragung löschen, deren Kontaktdaten "
              "noch gespeichert sind." if survey.state is not SurveyState.CLOSED
              else "Die Kontaktdaten dieser Befragung sind bereits gelöscht.", "error")
        return _back_to_builder(survey)
    if request.method == "POST":
        deleted = retention.delete_survey_contacts(survey)
        db.session.commit()
        flash(f"Die Kontaktdaten sind gelöscht (Einladungen: {fmt.number(deleted.invitations)}, gespeicherte "
              f"E-Mails: {fmt.number(deleted.mails)}). Die Antworten bleiben erhalten, ohne die Angabe der "
              "Ansprechperson.", "success")
        return _back_to_builder(survey)
    count = db.session.scalar(sa.select(sa.func.count(Invitation.id)).where(Invitation.survey_id == survey.id))
    return render_template("planner/delete_contacts.html", survey=survey, count=count,
                           due=retention.deletion_due(survey))

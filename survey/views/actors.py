"""The actor register (Akteursverzeichnis) of the planner's Kommune: list, edit, import, export, merge."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import formatting as fmt

from ..extensions import db
from ..forms_actors import ActorForm
from ..services import actors as actor_service
from ..services import retention, table_upload
from ..services.actors import ActorError
from . import edit_conflicts as edits
from .access import planner_required

bp = Blueprint("actors", __name__, url_prefix="/actors")


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "") for k in ("search", "sector", "provider_type", "district", "active")}


def _choices() -> dict:
    kommune = current_user.kommune
    return {"sectors": actor_service.options("sector"), "provider_types": actor_service.options("provider_type"),
            "districts": kommune.districts, "district_names": kommune.district_names(),
            "sector_labels": dict(actor_service.options("sector")),
            "provider_labels": dict(actor_service.options("provider_type"))}


@bp.route("")
@planner_required
def index():
    filters = _filters()
    actors = actor_service.actors_of_kommune(current_user.kommune_id, **filters)
    return render_template("actors/index.html", actors=actors, filters=filters, **_choices(),
                           due=retention.confirmation_due)


ACTOR_LABELS = {"name": "Name", "provider_type": "Trägerart", "sector": "Bereich", "districts": "Gebiete",
                "contact_name": "Ansprechperson", "contact_role": "Funktion", "email": "E-Mail", "phone": "Telefon",
                "notes": "Notizen", "active": "Aktiv"}


def _stored(actor) -> dict:
    return {name: getattr(actor, name) for name in ACTOR_LABELS}


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:actor_id>", methods=["GET", "POST"])
@planner_required
def edit(actor_id: int | None = None):
    actor = None
    if actor_id is not None:
        actor = actor_service.actor_of_kommune(current_user.kommune_id, actor_id)
        if actor is None:
            abort(404)
    form = ActorForm(obj=actor)
    kommune = current_user.kommune
    form.set_choices(actor_service.options("provider_type"), actor_service.options("sector"), kommune.districts)
    if form.is_submitted():
        data = form.actor_data()
        problems = actor_service.validate(kommune, data, actor.id if actor else None)
        conflict = edits.claim(actor, lambda: _stored(actor), ACTOR_LABELS) if actor and not problems else None
        if conflict and actor is not None:
            return edits.conflict_page(conflict, actor.name)
        if not problems:
            actor = actor_service.save(kommune, data, actor)
            db.session.commit()
            flash(f"„{actor.name}“ ist gespeichert.", "success")
            return redirect(url_for("actors.index"))
        form.show_problems(problems)
        flash("Bitte prüfen Sie die markierten Felder.", "error")
    return _edit_page(actor, form)


def _edit_page(actor, form, contact: actor_service.ContactData | None = None,
               contact_problems: dict[str, str] | None = None):
    return render_template("actors/edit.html", actor=actor, form=form, **_choices(),
                           contact_due=retention.confirmation_due(actor) if actor else None,
                           contact=contact or actor_service.ContactData(), contact_problems=contact_problems or {})


def _own_actor(actor_id: int):
    actor = actor_service.actor_of_kommune(current_user.kommune_id, actor_id)
    if actor is None:
        abort(404)
    return actor


@bp.route("/<int:actor_id>/kontakte", methods=["POST"])
@planner_required
def add_contact(actor_id: int):
    """A further contact person of the organisation (name, function, address, phone)."""
    actor = _own_actor(actor_id)
    data = actor_service.ContactData(name=request.form.get("name", ""), role=request.form.get("role", ""),
                                     email=request.form.get("email", ""), phone=request.form.get("phone", ""))
    typed = actor_service.ContactData(data.name, data.role, data.email, data.phone)
    problems = actor_service.check_contact(actor, data)
    if problems:
        form = ActorForm(obj=actor, formdata=None)
        form.set_choices(actor_service.options("provider_type"), actor_service.options("sector"),
                         current_user.kommune.districts)
        return _edit_page(actor, form, typed, problems), 422
    actor_service.add_contact(actor, data)
    db.session.commit()
    flash(f"Die Ansprechperson {data.name or data.email} ist bei „{actor.name}“ eingetragen.", "success")
    return redirect(url_for("actors.edit", actor_id=actor.id) + "#ansprechpersonen")


def _contact_action(actor_id: int, contact_id: int, change, done: str):
    actor = _own_actor(actor_id)
    if all(c.id != contact_id for c in actor.contacts):
        abort(404)
    try:
        change(actor, contact_id)
    except ActorError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done.format(name=actor.name), "success")
    return redirect(url_for("actors.edit", actor_id=actor_id) + "#ansprechpersonen")


@bp.route("/<int:actor_id>/kontakte/<int:contact_id>/entfernen", methods=["POST"])
@planner_required
def remove_contact(actor_id: int, contact_id: int):
    return _contact_action(actor_id, contact_id, actor_service.remove_contact,
                           "Die Ansprechperson ist bei „{name}“ entfernt.")


@bp.route("/<int:actor_id>/kontakte/<int:contact_id>/hauptkontakt", methods=["POST"])
@planner_required
def make_main_contact(actor_id: int, contact_id: int):
    return _contact_action(actor_id, contact_id, actor_service.make_main,
                           "Die Hauptansprechperson von „{name}“ ist gewechselt; Einladungen gehen künftig an sie.")


@bp.route("/<int:actor_id>/kontakt-bestaetigen", methods=["POST"])
@planner_required
def confirm_contact(actor_id: int):
    """"Kontakt bestätigen": the planner checked that the contact person is still right."""
    actor = actor_service.actor_of_kommune(current_user.kommune_id, actor_id)
    if actor is None:
        abort(404)
    retention.confirm_contact(actor)
    db.session.commit()
    due = retention.confirmation_due(actor)
    flash(f"Die Ansprechperson von „{actor.name}“ ist bestätigt."
          + (f" Ohne erneute Bestätigung wird sie am {fmt.date(due)} gelöscht." if due else ""), "success")
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/actors") else url_for("actors.edit", actor_id=actor.id))


PREVIEW_PAGE = 100  # rows per page of the import preview


def _import_choices() -> dict[int, str]:
    """The planner's choice per row: "auslassen" checkboxes and the same-name rows' "wahl-<Zeile>" selects."""
    choices: dict[int, str] = {}
    for name, value in request.form.items(multi=True):
        line = name.removeprefix("wahl-")
        if line != name and line.isdigit() and value in actor_service.CHOICES:
            choices[int(line)] = value
    for line in request.form.getlist("auslassen"):
        if line.isdigit():
            choices[int(line)] = "skip"
    return choices


def _posted_rows() -> list[list[str]]:
    if request.form.get("rows"):
        rows = json.loads(request.form["rows"])
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ActorError("Die Vorschau ist beschädigt. Bitte laden Sie die Datei erneut hoch.")
        return [[str(c) for c in r] for r in rows]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ActorError("Bitte wählen Sie eine Datei aus (CSV oder Excel .xlsx).")
    return table_upload.read_table(upload.filename, upload.read())


def _import_page(template: str, preview, rows, choices, error: str = "", page: int = 1):
    pages = max(-(-len(preview) // PREVIEW_PAGE), 1)
    page = min(max(page, 1), pages)
    start, end = (page - 1) * PREVIEW_PAGE, page * PREVIEW_PAGE
    shown, hidden = preview[start:end], preview[:start] + preview[end:]  # hidden: their choices ride along
    columns = [(key, header) for key, header, _accepted in actor_service.COLUMNS if key in preview[0].values]
    if "id" in preview[0].values:
        columns.insert(0, ("id", actor_service.ID_HEADER))
    return render_template(template, preview=preview, rows_json=json.dumps(rows, ensure_ascii=False), columns=columns,
                           shown=shown, hidden=hidden, page=page, pages=pages,
                           counts=actor_service.summary(preview), choices=choices, labels=actor_service.STATE_LABELS,
                           sector_labels=dict(actor_service.options("sector")),
                           provider_labels=dict(actor_service.options("provider_type")), error=error)


@bp.route("/import", methods=["GET", "POST"])
@planner_required
def import_file():
    """Upload → preview (every column, rows skippable, same-name rows to decide) → confirmation of the
    updates (old → new per entry) → written. Nothing is saved before the last step."""
    if request.method == "GET":
        return render_template("actors/import.html", preview=None, error="")
    kommune = current_user.kommune
    action = request.form.get("action", "")
    choices = _import_choices()
    try:
        rows = _posted_rows()
        preview = actor_service.preview_import(kommune, rows, choices)
    except (ActorError, table_upload.UploadError, ValueError) as error:
        db.session.rollback()
        return render_template("actors/import.html", preview=None, error=str(error)), 422
    counts = actor_service.summary(preview)
    if action in ("confirm", "apply"):
        if not counts["new"] and not counts["update"]:
            return _import_page("actors/import.html", preview, rows, choices,
                                "Es wird keine Zeile übernommen. Bitte lassen Sie mindestens eine neue oder "
                                "geänderte Zeile stehen (oder wählen Sie bei „Möglicherweise vorhanden“, was "
                                "geschehen soll)."), 422
        if action == "confirm" and counts["update"]:
            return _import_page("actors/import_confirm.html", preview, rows, choices)
        counts = actor_service.apply_import(kommune, rows, choices)
        db.session.commit()
        left_out = counts["skipped"] + counts["possible"]
        parts = [fmt.counted(counts["new"], "neuer Eintrag", "neue Einträge"),
                 f"{fmt.number(counts['update'])} aktualisiert"]
        if left_out:
            parts.append(fmt.counted(left_out, "Zeile ausgelassen", "Zeilen ausgelassen"))
        if counts["rejected"]:
            parts.append(fmt.counted(counts["rejected"], "abgelehnte Zeile nicht übernommen",
                                     "abgelehnte Zeilen nicht übernommen"))
        flash("Import abgeschlossen: " + ", ".join(parts) + ".", "success")
        return redirect(url_for("actors.index"))
    return _import_page("actors/import.html", preview, rows, choices, page=request.form.get("seite", 1, type=int) or 1)


@bp.route("/export.<fmt>")
@planner_required
def export(fmt: str):
    kommune = current_user.kommune
    actors = actor_service.actors_of_kommune(kommune.id, **_filters())
    if fmt == "csv":
        body, mimetype = actor_service.export_csv(kommune, actors), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = actor_service.export_xlsx(kommune, actors)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="akteursverzeichnis.{fmt}"'})


@bp.route("/duplicates", methods=["GET", "POST"])
@planner_required
def duplicates():
    """Duplicate groups; merging shows a confirmation page first (what stays, what is kept), then merges."""
    if request.method == "POST":
        keep = request.form.get("keep", "")
        others = [int(i) for i in request.form.getlist("member") if i.isdigit()]
        try:
            if not keep.isdigit():
                raise ActorError("Bitte wählen Sie aus, welcher Eintrag bleiben soll.")
            if request.form.get("bestaetigt") != "1":
                plan = actor_service.merge_plan(current_user.kommune_id, int(keep), others)
                return render_template("actors/merge_confirm.html", plan=plan, **_choices())
            actor = actor_service.merge(current_user.kommune_id, int(keep), others)
        except ActorError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Zusammengeführt in „{actor.name}“.", "success")
        return redirect(url_for("actors.duplicates"))
    groups = actor_service.duplicate_groups(current_user.kommune_id)
    return render_template("actors/duplicates.html", groups=groups, **_choices())

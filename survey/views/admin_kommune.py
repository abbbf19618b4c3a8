"""Admin pages for the Kommune itself: settings (name forms, sender, contact, links) and districts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms_kommune import DistrictForm, KommuneSettingsForm, PasteDistrictsForm
from ..models import District
from ..name_forms import name_forms, preview_sentences
from ..services import kommune as service
from . import edit_conflicts as edits
from .access import admin_required
from .admin import bp


def _stored_settings(kommune) -> dict:
    stored = KommuneSettingsForm(formdata=None)
    stored.fill_from(kommune)
    return edits.form_values(stored)


@bp.route("/einstellungen", methods=["GET", "POST"])
@admin_required
def settings():
    kommune = current_user.kommune
    form = KommuneSettingsForm()
    if request.method == "GET":
        form.fill_from(kommune)
    elif form.validate_on_submit():
        conflict = edits.claim(kommune, lambda: _stored_settings(kommune), edits.form_labels(form))
        if conflict:
            return edits.conflict_page(conflict, "Einstellungen der Kommune")
        try:
            service.update_settings(kommune, form.settings())
        except service.KommuneError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Die Einstellungen sind gespeichert.", "success")
            return redirect(url_for("admin.settings"))
    # The preview shows what was typed, also when it is not saved yet.
    typed = form.settings()
    forms = name_forms(typed.name or kommune.name, typed.type_word, typed.gender, typed.overrides)
    generated = name_forms(typed.name or kommune.name, typed.type_word, typed.gender)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/settings.html", form=form, forms=forms, generated=generated,
                           sentences=preview_sentences(forms)), status


def _own_district(district_id: int) -> District:
    district = service.district_of(current_user.kommune_id, district_id)
    if district is None:
        abort(404)
    return district


def _districts_page(add_form=None, paste_form=None, rename: dict[int, str] | None = None,
                    errors: dict[int, str] | None = None, report=None, status: int = 200):
    kommune = current_user.kommune
    return render_template(
        "admin/districts.html", kommune=kommune, add_form=add_form or DistrictForm(prefix="neu"),
        paste_form=paste_form or PasteDistrictsForm(prefix="liste"), rename=rename or {}, errors=errors or {},
        report=report,
    ), status


@bp.route("/stadtteile")
@admin_required
def districts():
    return _districts_page()


@bp.route("/stadtteile/neu", methods=["POST"])
@admin_required
def add_district():
    form = DistrictForm(prefix="neu")
    if form.validate_on_submit():
        try:
            district = service.add_district(current_user.kommune, form.name.data)
        except service.KommuneError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{current_user.kommune.spatial_word} „{district.name}“ ist angelegt.", "success")
            return redirect(url_for("admin.districts", _anchor=f"d{district.id}"))
    return _districts_page(add_form=form, status=400)


@bp.route("/stadtteile/liste", methods=["POST"])
@admin_required
def paste_districts():
    form = PasteDistrictsForm(prefix="liste")
    if not form.validate_on_submit():
        return _districts_page(paste_form=form, status=400)
    report = service.paste_districts(current_user.kommune, form.names.data)
    db.session.commit()
    if not report.added:
        # Nothing new: the list stays in the field so the admin can correct it.
        return _districts_page(paste_form=form, report=report, status=400)
    return _districts_page(report=report)


@bp.route("/stadtteile/<int:district_id>/umbenennen", methods=["POST"])
@admin_required
def rename_district(district_id: int):
    district = _own_district(district_id)
    name = request.form.get("name", "")
    old = district.name
    conflict = edits.claim(district, lambda: {"name": district.name}, {"name": f"Name von „{old}“"},
                           back_url=url_for("admin.districts", _anchor=f"d{district.id}"))
    if conflict:
        return edits.conflict_page(conflict, old)
    try:
        service.rename_district(district, name)
    except service.KommuneError as error:
        db.session.rollback()
        return _districts_page(rename={district_id: name}, errors={district_id: str(error)}, status=400)
    db.session.commit()
    flash(f"„{old}“ heißt jetzt „{district.name}“. Bisherige Antworten behalten ihre Zuordnung.", "success")
    return redirect(url_for("admin.districts", _anchor=f"d{district.id}"))


@bp.route("/stadtteile/<int:district_id>/verschieben", methods=["POST"])
@admin_required
def move_district(district_id: int):
    district = _own_district(district_id)
    service.move_district(district, -1 if request.form.get("richtung") == "hoch" else 1)
    db.session.commit()
    flash(f"„{district.name}“ ist verschoben.", "success")
    return redirect(url_for("admin.districts", _anchor=f"d{district.id}"))


@bp.route("/stadtteile/<int:district_id>/stilllegen", methods=["POST"])
@admin_required
def deactivate_district(district_id: int):
    district = _own_district(district_id)
    service.deactivate_district(district)
    db.session.commit()
    flash(f"„{district.name}“ ist stillgelegt: neue Befragungen und das Akteursregister bieten „{district.name}“ "
          "nicht mehr an; bereits geöffnete Befragungen behalten die Auswahl.", "success")
    return redirect(url_for("admin.districts", _anchor=f"d{district.id}"))


@bp.route("/stadtteile/<int:district_id>/reaktivieren", methods=["POST"])
@admin_required
def reactivate_district(district_id: int):
    district = _own_district(district_id)
    service.reactivate_district(district)
    db.session.commit()
    flash(f"„{district.name}“ ist wieder aktiv.", "success")
    return redirect(url_for("admin.districts", _anchor=f"d{district.id}"))

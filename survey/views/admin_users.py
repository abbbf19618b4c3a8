"""Admin pages for the Kommune's accounts: invite colleagues, roles, deactivate and reactivate.

Every action is a small POST form that calls `services.accounts`, commits and redirects back to
the list; a refused action (e.g. locking out the last administrator) shows the German message
and changes nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..extensions import db
from ..form_messages import GermanForm
from ..models import Role, User, utc_now
from ..services import accounts
from ..services.accounts import AccountError
from . import edit_conflicts as edits
from .access import admin_required
from .admin import bp

ROLES = (Role.PLANNER, Role.ANALYST, Role.ADMIN)
ROLE_HINT = ("Planung: Befragungen anlegen, einladen, Ergebnisse sehen. Auswertung: nur Ergebnisse sehen. "
             "Administration: alles wie Planung, dazu Kommune und Konten verwalten.")


class InviteForm(GermanForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie die E-Mail-Adresse ein.")])
    display_name = StringField("Name", validators=[DataRequired("Bitte geben Sie den Namen ein.")])
    phone = StringField("Telefon (freiwillig)")
    role = SelectField("Rolle", choices=[SelectChoice(r.value, r.label) for r in ROLES], default=Role.PLANNER.value)


class RoleForm(GermanForm):
    role = SelectField("Rolle", choices=[SelectChoice(r.value, r.label) for r in ROLES])


def _colleague(user_id: int) -> User:
    user = accounts.user_of_kommune(current_user.kommune_id, user_id)
    if user is None:
        abort(404)
    return user


def _render(form: InviteForm, error: str = "", status: int = 200):
    users = accounts.users_of_kommune(current_user.kommune_id)
    return render_template("admin/users.html", form=form, users=users, error=error, roles=ROLES, now=utc_now(),
                           invitations=accounts.open_invitations(current_user.kommune_id),
                           role_hint=ROLE_HINT), status


@bp.route("/benutzer", methods=["GET", "POST"])
@admin_required
def users():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(current_user, form.email.data, form.role.data,
                                        form.display_name.data or "", form.phone.data or "")
        except AccountError as problem:
            db.session.rollback()
            return _render(form, str(problem), 422)
        db.session.commit()
        flash(f"{user.display_name} ist eingeladen: die E-Mail mit dem Link zum Passwort geht an {user.email} "
              "(gültig 72 Stunden).", "success")
        return redirect(url_for("admin.users"))
    return _render(form, status=422 if form.errors else 200)


def _act(user_id: int, action, success: str):
    user = _colleague(user_id)
    try:
        action(user)
    except AccountError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(success.format(name=user.display_name, email=user.email), "success")
    return redirect(url_for("admin.users", _anchor=f"user-{user.id}"))


class ColleagueForm(GermanForm):
    display_name = StringField("Name", validators=[DataRequired("Bitte geben Sie den Namen ein.")])
    phone = StringField("Telefon (freiwillig)")


@bp.route("/benutzer/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    """A colleague's name and phone (the contact block of their new surveys)."""
    user = _colleague(user_id)
    form = ColleagueForm(obj=user)
    error = ""
    if form.validate_on_submit():
        conflict = edits.claim(user, lambda: {n: getattr(user, n) for n in ("display_name", "phone")},
                               edits.form_labels(form, ("display_name", "phone")))
        if conflict:
            return edits.conflict_page(conflict, user.display_name)
        try:
            accounts.update_profile(user, form.display_name.data or "", form.phone.data or "")
        except AccountError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            flash(f"Die Angaben von {user.display_name} sind gespeichert.", "success")
            return redirect(url_for("admin.users", _anchor=f"user-{user.id}"))
    return render_template("admin/user_edit.html", form=form, user=user, error=error)


@bp.route("/benutzer/<int:user_id>/deaktivieren", methods=["POST"])
@admin_required
def deactivate_user(user_id: int):
    return _act(user_id, accounts.deactivate, "{name} ist deaktiviert und überall abgemeldet.")


@bp.route("/benutzer/<int:user_id>/reaktivieren", methods=["POST"])
@admin_required
def reactivate_user(user_id: int):
    return _act(user_id, accounts.reactivate, "{name} kann sich wieder anmelden.")


@bp.route("/benutzer/<int:user_id>/einladung", methods=["POST"])
@admin_required
def resend_user_invitation(user_id: int):
    return _act(user_id, lambda user: accounts.resend_invitation(current_user, user),
                "Ein neuer Link geht an {email}; der frühere gilt nicht mehr.")


@bp.route("/benutzer/<int:user_id>/rolle", methods=["POST"])
@admin_required
def change_user_role(user_id: int):
    _colleague(user_id)  # another Kommune's account: 404 before anything else
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Bitte wählen Sie eine der angebotenen Rollen.", "error")
        return redirect(url_for("admin.users"))
    label = Role(form.role.data).label
    return _act(user_id, lambda user: accounts.change_role(user, form.role.data),
                "{name} hat jetzt die Rolle " + label + ".")

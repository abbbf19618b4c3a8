"""Login and logout for planners, analysts and administrators."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from ..extensions import db, login
from ..models import User
from ..services.accounts import authenticate

bp = Blueprint("auth", __name__)


@login.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


class LoginForm(FlaskForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie Ihre E-Mail-Adresse ein.")])
    password = PasswordField("Passwort", validators=[DataRequired("Bitte geben Sie Ihr Passwort ein.")])
    remember = BooleanField("Angemeldet bleiben")


def _safe_next(target: str | None) -> str | None:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    if current_user.is_authenticated:
        return redirect(url_for("planner.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            flash("E-Mail-Adresse oder Passwort stimmen nicht.", "error")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("planner.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("Sie sind abgemeldet.", "info")
    return redirect(url_for("auth.login_page"))

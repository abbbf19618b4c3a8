"""Login, logout, "Passwort vergessen?", set-password links and the own account (name, phone, password).

The session holds "<user id>:<session version>" (`User.get_id`); `load_user` refuses an outdated
version, so a password change, a reset, a deactivation or a logout ends every other session and
remember-me cookie of that user.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from ..extensions import db, login
from ..form_messages import GermanForm
from ..models import Role, User
from ..services import accounts, throttle
from ..services.accounts import PASSWORD_RULE, AccountError
from . import edit_conflicts as edits
from . import kept_input

bp = Blueprint("auth", __name__)


@login.user_loader
def load_user(session_id: str) -> User | None:
    return accounts.user_for_session(session_id)


def start_url(user: User) -> str:
    """Where each role starts: administration, the planner's dashboard, or the results list."""
    if user.role is Role.ADMIN:
        return url_for("admin.index")
    if user.can_plan:
        return url_for("start.dashboard")
    return url_for("results.index")


class LoginForm(GermanForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie Ihre E-Mail-Adresse ein.")])
    password = PasswordField("Passwort", validators=[DataRequired("Bitte geben Sie Ihr Passwort ein.")])
    remember = BooleanField("Angemeldet bleiben")


class ForgotForm(GermanForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie Ihre E-Mail-Adresse ein.")])


class NewPasswordForm(GermanForm):
    password = PasswordField("Neues Passwort", validators=[DataRequired("Bitte geben Sie ein neues Passwort ein.")])
    confirm = PasswordField("Neues Passwort wiederholen", validators=[
        DataRequired("Bitte wiederholen Sie das neue Passwort."),
        EqualTo("password", "Die beiden Eingaben stimmen nicht überein.")])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Bisheriges Passwort",
                            validators=[DataRequired("Bitte geben Sie Ihr bisheriges Passwort ein.")])


class ProfileForm(GermanForm):
    display_name = StringField("Name", validators=[DataRequired("Bitte geben Sie Ihren Namen ein.")])
    phone = StringField("Telefon")


def _show(form: GermanForm, problem: AccountError) -> str:
    """Put the message at the field it is about; returns it for the alert above the form otherwise."""
    field = getattr(form, problem.field, None) if problem.field else None
    if field is None:
        return str(problem)
    field.errors = [*field.errors, str(problem)]
    return ""


def _safe_next(target: str | None) -> str | None:
    if (target and not urlsplit(target).netloc and not urlsplit(target).scheme
            and target.startswith("/") and not target.startswith("//") and "\\" not in target):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    if current_user.is_authenticated:
        return kept_input.after_login() or redirect(_safe_next(request.args.get("next")) or start_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        counters = [(throttle.LOGIN_ACCOUNT, form.email.data), (throttle.LOGIN_CLIENT, request.remote_addr or "")]
        until = throttle.first_block(counters)
        if until is not None:  # not even checked: a guess costs the wait, right or wrong
            flash(throttle.wait_message(until), "error")
            kept = kept_input.login_failed(form)  # a planner's carried text survives the wait too
            return (kept or render_template("auth/login.html", form=form)), 429
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            blocks = [b for rule, key in counters if (b := throttle.record_failure(rule, key)) is not None]
            db.session.commit()
            flash("E-Mail-Adresse oder Passwort stimmen nicht.", "error")
            if blocks:
                flash(throttle.wait_message(max(blocks)), "error")
        else:
            throttle.forget(throttle.LOGIN_ACCOUNT, form.email.data)
            accounts.signed_in(user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            # Input posted while logged out comes back to be sent again, not lost in a redirect.
            return kept_input.after_login() or redirect(_safe_next(request.args.get("next")) or start_url(user))
    return kept_input.login_failed(form) or render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.sign_out(current_user)  # a copied session or remember-me cookie stops working too
    db.session.commit()
    logout_user()
    flash("Sie sind abgemeldet.", "info")
    return redirect(url_for("auth.login_page"))


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        until = throttle.blocked_until(throttle.RESET_CLIENT, request.remote_addr or "")
        if until is not None:
            flash(throttle.wait_message(until, lead="Von diesem Anschluss kamen in kurzer Zeit zu viele Anfragen."),
                  "error")
            return render_template("auth/forgot.html", form=form), 429
        throttle.record_failure(throttle.RESET_CLIENT, request.remote_addr or "")  # every request counts
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/forgot_sent.html", email=form.email.data.strip())
    return render_template("auth/forgot.html", form=form)


@bp.route("/passwort/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The link of an invitation or reset mail: choose a password, then you are logged in."""
    check = accounts.check_link(token)
    if check.token is None:
        return render_template("auth/link_invalid.html", problem=check.problem), 410
    user = check.user
    form = NewPasswordForm()
    error = ""
    if form.validate_on_submit():
        try:
            user = accounts.set_password_with_link(token, form.password.data)
        except AccountError as problem:
            db.session.rollback()
            error = _show(form, problem)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            login_user(user)
            flash("Ihr Passwort ist gespeichert. Sie sind angemeldet.", "success")
            return redirect(start_url(user))
    assert user is not None  # the link's token leads to its account
    first = not user.has_password
    return render_template("auth/set_password.html", form=form, user=user, first=first, error=error,
                           rule=PASSWORD_RULE)


PROFILE_FIELDS = ("display_name", "phone")


def _profile(user: User) -> dict[str, str]:
    return {name: getattr(user, name) for name in PROFILE_FIELDS}


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def account():
    """The own account: name and phone (they prefill the contact block of new surveys)."""
    form = ProfileForm(obj=current_user)
    error = ""
    if form.validate_on_submit():
        conflict = edits.claim(current_user, lambda: _profile(current_user), edits.form_labels(form, PROFILE_FIELDS))
        if conflict:
            return edits.conflict_page(conflict, "Mein Konto")
        try:
            accounts.update_profile(current_user, form.display_name.data or "", form.phone.data or "")
        except AccountError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            flash("Ihre Angaben sind gespeichert.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, error=error)


@bp.route("/konto/passwort", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    error = ""
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data)
        except AccountError as problem:
            db.session.rollback()
            error = _show(form, problem)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session carries the new version
            flash("Ihr Passwort ist geändert. Andere Anmeldungen Ihres Kontos sind beendet.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form, error=error, rule=PASSWORD_RULE)

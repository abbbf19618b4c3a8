"""Kommunen and user accounts: creating, inviting, passwords and their policy, deactivating.

Built once; the admin pages, the login pages and the `flask users` commands are front-ends over it.
Set-password links (invitation of a colleague, "Passwort vergessen?") are one-use tokens valid
72 hours, stored as their SHA-256 hash and, until the mail has gone out, sealed with the link
keyring (the worker fills the link into the mail; `services/links.py`). Every password change,
reset or deactivation raises `User.session_version`, which is part of the id in the session and
remember-me cookie, so every other session of that user ends at once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .. import link_keys
from ..extensions import db
from ..models import AccountToken, District, Kommune, Role, TokenPurpose, User, utc_now
from . import audit, outbox
from .common_passwords import COMMON_PASSWORDS
from .tokens import hash_token, new_token

TOKEN_VALIDITY = dt.timedelta(hours=72)
RESET_PAUSE = dt.timedelta(minutes=5)  # at most one reset mail per account in this time (no mail bombing)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
PASSWORD_RULE = (f"Mindestens {MIN_PASSWORD_LENGTH} Zeichen; keine häufig benutzten Passwörter wie "
                 "„passwort123“ und nicht Ihre E-Mail-Adresse. Ein Satz aus mehreren Wörtern ist gut zu merken.")

# Checked for unknown addresses so that a failed login takes as long whether the account exists or not.
_DUMMY_HASH = generate_password_hash("kein-konto-vorhanden")


class AccountError(ValueError):
    """A German message for the person creating or changing the account; `field` names the form
    field it is about ("password", "current"), if any."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def slug(text: str) -> str:
    """A stable ASCII code for a name ("Hürtgenwald" -> "huertgenwald")."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "x"


def get_or_create_kommune(name: str) -> Kommune:
    kommune = db.session.scalar(sa.select(Kommune).where(Kommune.name == name))
    if kommune is None:
        kommune = Kommune(name=name)
        db.session.add(kommune)
        db.session.flush()
    return kommune


def kommune_for_account(name: str, create: bool) -> Kommune:
    """The Kommune of this exact name; a new one only when `create` (a typo must not found a second Kommune)."""
    name = name.strip()
    if not name:
        raise AccountError("Bitte geben Sie den Namen der Kommune an.")
    kommune = db.session.scalar(sa.select(Kommune).where(Kommune.name == name))
    if kommune is not None:
        return kommune
    if not create:
        known = db.session.scalars(sa.select(Kommune.name).order_by(Kommune.name)).all()
        hint = f" Vorhanden: {', '.join(known)}." if known else " Es gibt noch keine Kommune."
        raise AccountError(f"Die Kommune „{name}“ gibt es nicht.{hint} "
                           "Eine neue Kommune nur mit --create-kommune anlegen.")
    return get_or_create_kommune(name)


def set_districts(kommune: Kommune, names: list[str]) -> None:
    """Add the districts in `names` that the Kommune lacks, keeping the given order."""
    existing = {d.code: d for d in kommune.districts}
    for position, name in enumerate(names):
        code = slug(name)
        district = existing.get(code)
        if district is None:
            district = District(code=code, name=name)
            kommune.districts.append(district)
        district.position = position
    db.session.flush()


# --- the password policy -------------------------------------------------------------------------


def password_problems(password: str, email: str = "") -> list[str]:
    """What is wrong with a new password, as German sentences (empty: it is fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein "
                        f"(es hat {len(password)}).")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein.")
    folded = password.strip().lower()
    local = email.strip().lower().split("@")[0]
    if folded in COMMON_PASSWORDS or (folded and len(set(folded)) <= 2):
        problems.append("Dieses Passwort ist zu leicht zu erraten; es steht in Listen häufig benutzter Passwörter.")
    elif email and (folded == email.strip().lower() or (len(local) >= 4 and local in folded)):
        problems.append("Das Passwort darf nicht Ihre E-Mail-Adresse enthalten.")
    return problems


def check_password_policy(password: str, email: str = "") -> None:
    problems = password_problems(password, email)
    if problems:
        raise AccountError(" ".join(problems), field="password")


def _set_password(user: User, password: str, notify: bool = True) -> None:
    """Set a new password and end every other session of the user; tell them by mail (unless it is
    the first password of an invited colleague)."""
    check_password_policy(password, user.email)
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    end_sessions(user)
    _log(user, "account.password", "Passwort geändert" if notify else "Erstes Passwort gesetzt")
    if notify:
        outbox.enqueue("password_changed", user.email, "password_changed", sender_name=user.kommune.mail_sender_name,
                       user=user, when=utc_now(),
                       login_url=f"{current_app.config['BASE_URL'].rstrip('/')}/login")


def _log(user: User, action: str, text: str, before: dict | None = None, after: dict | None = None) -> None:
    audit.record(user.kommune_id, action, f"{text}: {user.display_name} ({user.email})", obj=user,
                 before=before, after=after)


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of the user stops working (the id they hold is outdated)."""
    user.session_version = (user.session_version or 0) + 1


# --- creating accounts ---------------------------------------------------------------------------


def _role(role: str | Role) -> Role:
    try:
        return role if isinstance(role, Role) else Role(role)
    except ValueError:
        raise AccountError(f"Unbekannte Rolle {role!r}; erlaubt: admin, planner, analyst.") from None


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise AccountError(f"„{email}“ ist keine gültige E-Mail-Adresse." if email
                           else "Bitte geben Sie eine E-Mail-Adresse ein.")
    return email


def _refuse_existing(email: str) -> None:
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise AccountError(f"Es gibt bereits ein Konto mit der Adresse {email}.")


def create_user(kommune_name: str, email: str, password: str, role: str, display_name: str = "",
                phone: str = "", create_kommune: bool = True) -> User:
    """Create a user with a password (and the Kommune, if it does not exist yet and `create_kommune`)."""
    email = normalise_email(email)
    role_value = _role(role)
    check_password_policy(password, email)
    _refuse_existing(email)
    user = User(
        kommune=kommune_for_account(kommune_name, create_kommune),
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        phone=phone.strip(),
        role=role_value,
    )
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    db.session.flush()
    _log(user, "account.created", f"Konto angelegt ({user.role.label})")
    return user


def create_admin(kommune_name: str, email: str, password: str, display_name: str = "",
                 create_kommune: bool = True) -> User:
    """The first administrator of a Kommune (from `flask users create-admin`)."""
    if not kommune_name.strip():
        raise AccountError("Bitte geben Sie den Namen der Kommune an.")
    return create_user(kommune_name, email, password, Role.ADMIN.value, display_name, create_kommune=create_kommune)


def _issue_token(user: User, purpose: TokenPurpose, now: dt.datetime | None = None) -> AccountToken:
    """A new one-use link token (sealed for its mail); earlier unused ones of the same purpose stop working."""
    now = now or utc_now()
    for old in db.session.scalars(sa.select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))):
        old.used_at = now
        old.token_sealed = None
    token = new_token()
    row = AccountToken(user_id=user.id, purpose=purpose, token_hash=hash_token(token),
                       token_sealed=link_keys.seal(token), created_at=now, expires_at=now + TOKEN_VALIDITY)
    db.session.add(row)
    db.session.flush()
    return row


def set_password_link(token: str) -> str:
    """The set-password page (`auth.set_password`); built by hand so the CLI and workers need no request."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/passwort/{token}"


def invite_user(admin: User, email: str, role: str, display_name: str = "", phone: str = "",
                now: dt.datetime | None = None) -> User:
    """Create a colleague's account in the admin's Kommune (no password yet) and mail a set-password link."""
    email = normalise_email(email)
    role_value = _role(role)
    _refuse_existing(email)
    user = User(kommune_id=admin.kommune_id, email=email, display_name=display_name.strip() or email.split("@")[0],
                phone=phone.strip(), role=role_value, password_hash="")
    db.session.add(user)
    db.session.flush()
    _send_invitation(admin, user, now)
    _log(user, "account.created", f"Konto angelegt und eingeladen ({user.role.label})")
    return user


def _send_invitation(admin: User, user: User, now: dt.datetime | None) -> None:
    token = _issue_token(user, TokenPurpose.INVITE, now)
    outbox.enqueue("account_invitation", user.email, "account_invitation", reply_to=admin.email,
                   sender_name=admin.kommune.mail_sender_name, account_token_id=token.id,
                   user=user, inviter=admin, kommune=admin.kommune, link=link_keys.LINK_PLACEHOLDER,
                   hours=int(TOKEN_VALIDITY.total_seconds() // 3600))


def resend_invitation(admin: User, user: User, now: dt.datetime | None = None) -> None:
    """A new set-password link for a colleague who has not set a password yet (the old link ends)."""
    if user.has_password:
        raise AccountError(f"{user.email} hat bereits ein Passwort gesetzt; "
                           "bei einem vergessenen Passwort hilft „Passwort vergessen?“ auf der Anmeldeseite.")
    if not user.active:
        raise AccountError(f"Das Konto {user.email} ist deaktiviert; bitte erst reaktivieren.")
    _send_invitation(admin, user, now)
    _log(user, "account.changed", "Einladung zum Konto erneut gesendet")


def request_password_reset(email: str, now: dt.datetime | None = None) -> None:
    """Mail a reset link if an active account has this address; says nothing either way."""
    address = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == address)) if address else None
    if user is None or not user.active:
        return
    now = now or utc_now()
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.RESET,
        AccountToken.created_at > now - RESET_PAUSE))
    if recent:
        return  # the link mailed a moment ago is still valid
    token = _issue_token(user, TokenPurpose.RESET, now)
    outbox.enqueue("password_reset", user.email, "password_reset", sender_name=user.kommune.mail_sender_name,
                   account_token_id=token.id, user=user, kommune=user.kommune, link=link_keys.LINK_PLACEHOLDER,
                   hours=int(TOKEN_VALIDITY.total_seconds() // 3600))


# --- using a link --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheck:
    """What a set-password link leads to: the account, or why it cannot be used."""

    token: AccountToken | None
    problem: str = ""

    @property
    def user(self) -> User | None:
        return self.token.user if self.token else None


def check_link(token: str, now: dt.datetime | None = None) -> LinkCheck:
    now = now or utc_now()
    row = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == hash_token(token or "")))
    if row is None:
        return LinkCheck(None, "Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig aus der E-Mail "
                               "übernommen wurde, oder fordern Sie einen neuen an.")
    if row.used_at is not None:
        return LinkCheck(None, "Dieser Link wurde schon benutzt oder durch einen neueren ersetzt. "
                               "Ein Link gilt nur einmal.")
    if row.expires_at <= now:
        return LinkCheck(None, "Dieser Link ist abgelaufen (er gilt 72 Stunden). "
                               "Bitte fordern Sie einen neuen an.")
    if not row.user.active:
        return LinkCheck(None, "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die Administration "
                               "Ihrer Kommune.")
    return LinkCheck(row)


def set_password_with_link(token: str, password: str, now: dt.datetime | None = None) -> User:
    """Set the password through an invitation or reset link; the link is used up."""
    now = now or utc_now()
    check = check_link(token, now)
    if check.token is None:
        raise AccountError(check.problem)
    user = check.token.user
    with audit.acting_as(audit.staff(user)):  # the link's owner acts, though not signed in yet
        _set_password(user, password, notify=user.has_password)
    check.token.used_at = now
    check.token.token_sealed = None
    db.session.flush()
    return user


# --- logged in -----------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None (same work done whether the address exists or not)."""
    user = db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.has_password:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


def signed_in(user: User) -> None:
    """Note a sign-in in the audit log (the user acts, though this request began signed out)."""
    with audit.acting_as(audit.staff(user)):
        _log(user, "account.signed_in", "Angemeldet")


def sign_out(user: User) -> None:
    """End every session of the user (a copied cookie stops working too) and note it."""
    end_sessions(user)
    _log(user, "account.signed_out", "Abgemeldet")


def change_password(user: User, current: str, new: str) -> None:
    """Change the own password; other sessions of the user end (the caller logs this one in again)."""
    if not user.check_password(current or ""):
        raise AccountError("Das bisherige Passwort stimmt nicht.", field="current")
    if current == new:
        raise AccountError("Das neue Passwort ist dasselbe wie das bisherige.", field="password")
    _set_password(user, new)
    db.session.flush()


def set_password_by_operator(user: User, password: str) -> None:
    """A new password set by the server's operator (`flask users passwd`): the policy holds, every
    session of the user ends, and the user is told by mail."""
    _set_password(user, password, notify=user.has_password)
    db.session.flush()


def user_for_session(session_id: str) -> User | None:
    """The user of a session or remember-me cookie ("<id>:<session version>"), if it is still valid."""
    user_id, _, version = (session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


# --- the users admin -----------------------------------------------------------------------------


def users_of_kommune(kommune_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.kommune_id == kommune_id)
                                   .order_by(User.active.desc(), sa.func.lower(User.display_name), User.id)))


def open_invitations(kommune_id: int) -> dict[int, dt.datetime]:
    """User id -> when the newest unused set-password invitation link expires (for the users list)."""
    rows = db.session.execute(
        sa.select(AccountToken.user_id, sa.func.max(AccountToken.expires_at))
        .join(User, User.id == AccountToken.user_id)
        .where(User.kommune_id == kommune_id, AccountToken.purpose == TokenPurpose.INVITE,
               AccountToken.used_at.is_(None))
        .group_by(AccountToken.user_id))
    return {user_id: _aware(expires) for user_id, expires in rows}


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def user_of_kommune(kommune_id: int, user_id: int) -> User | None:
    return db.session.scalar(sa.select(User).where(User.id == user_id, User.kommune_id == kommune_id))


def _other_active_admins(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.kommune_id == user.kommune_id, User.role == Role.ADMIN, User.active.is_(True),
        User.id != user.id)) or 0


def _refuse_last_admin(user: User, what: str) -> None:
    if user.role is Role.ADMIN and user.active and _other_active_admins(user) == 0:
        raise AccountError(f"{user.display_name} ist die einzige aktive Administration der Kommune und kann "
                           f"nicht {what} werden. Ernennen Sie zuerst eine weitere Person zur Administration.")


def deactivate(user: User) -> None:
    """The user can no longer log in; every session ends at once. Surveys and answers stay."""
    if not user.active:
        return
    _refuse_last_admin(user, "deaktiviert")
    user.active = False
    end_sessions(user)
    _log(user, "account.changed", "Konto deaktiviert")
    now = utc_now()
    for token in db.session.scalars(sa.select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.used_at.is_(None))):
        token.used_at = now
        token.token_sealed = None
    db.session.flush()


def reactivate(user: User) -> None:
    if not user.active:
        _log(user, "account.changed", "Konto reaktiviert")
    user.active = True
    db.session.flush()


def change_role(user: User, role: str) -> None:
    role_value = _role(role)
    if role_value is not Role.ADMIN:
        _refuse_last_admin(user, "herabgestuft")
    if user.role is not role_value:
        _log(user, "account.changed", f"Rolle geändert in {role_value.label}", before={"Rolle": user.role.label},
             after={"Rolle": role_value.label})
    user.role = role_value  # read on every request: menus and rights change at the next click
    db.session.flush()


def update_profile(user: User, display_name: str, phone: str) -> None:
    """Name and phone number (they prefill the contact block of new surveys)."""
    display_name = display_name.strip()
    if not display_name:
        raise AccountError("Bitte geben Sie einen Namen an; er steht im Kontaktblock der Befragungen.")
    before = {"Name": user.display_name, "Telefon": user.phone}
    user.display_name = display_name[:200]
    user.phone = phone.strip()[:60]
    old, new = audit.changed_fields(before, {"Name": user.display_name, "Telefon": user.phone})
    if new:
        _log(user, "account.changed", "Name oder Telefon geändert", before=old, after=new)
    db.session.flush()

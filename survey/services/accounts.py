"""Kommunen and user accounts."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from ..extensions import db
from ..models import District, Kommune, Role, User


class AccountError(ValueError):
    """A German message for the person creating the account."""


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


def create_user(kommune_name: str, email: str, password: str, role: str, display_name: str = "") -> User:
    """Create a user (and the Kommune, if it does not exist yet)."""
    email = email.strip().lower()
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError(f"Unbekannte Rolle {role!r}; erlaubt: admin, planner, analyst.") from None
    if len(password) < 8:
        raise AccountError("Das Passwort muss mindestens 8 Zeichen lang sein.")
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise AccountError(f"Es gibt bereits ein Konto mit der Adresse {email}.")
    user = User(
        kommune=get_or_create_kommune(kommune_name),
        email=email,
        display_name=display_name or email.split("@")[0],
        role=role_value,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user

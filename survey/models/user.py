"""Accounts of planners, analysts and administrators, each belonging to one Kommune."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, utc_now, value_enum
from .kommune import Kommune


class Role(enum.Enum):
    ADMIN = "admin"
    PLANNER = "planner"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return {"admin": "Administration", "planner": "Planung", "analyst": "Auswertung"}[self.value]


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(value_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    # For the contact block of the surveys this user creates.
    phone: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    # Part of the id in the session and remember-me cookie: raising it ends every other session.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")

    kommune: Mapped[Kommune] = relationship()

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        """False for a colleague who was invited and has not set a password yet."""
        return bool(self.password_hash)

    def get_id(self) -> str:  # Flask-Login: what the session and the remember-me cookie hold
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_plan(self) -> bool:
        return self.role in (Role.PLANNER, Role.ADMIN)


class TokenPurpose(enum.Enum):
    INVITE = "invite"  # set the first password (an admin invited the colleague)
    RESET = "reset"  # "Passwort vergessen?"


class AccountToken(db.Model):
    """A one-use link to set a password: the SHA-256 of the token, and the token sealed with the
    link keyring until its mail has gone out (then the seal is dropped: nothing can mail it again)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(value_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_sealed: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

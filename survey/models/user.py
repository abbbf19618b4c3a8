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

    kommune: Mapped[Kommune] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_plan(self) -> bool:
        return self.role in (Role.PLANNER, Role.ADMIN)

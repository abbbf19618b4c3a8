"""Failed sign-in attempts per account and per client, kept in the database for every app server."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utc_now


class Throttle(Model):
    """One counter per (scope, key): "login-account", "login-client", "reset-client".

    `key_hash` is the SHA-256 of the e-mail address or client address, so the table holds no
    address in clear. `blocked_until` is when the next attempt is heard again.
    """

    __table_args__ = (sa.UniqueConstraint("scope", "key_hash", name="uq_throttle_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(20))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

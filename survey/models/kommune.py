"""The tenant (Kommune) and its ordered, renameable districts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utc_now


class Kommune(db.Model):
    """A city, a Kreis or a member municipality; every other record belongs to one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    districts: Mapped[list[District]] = relationship(
        back_populates="kommune", order_by="District.position", cascade="all, delete-orphan"
    )

    def district_names(self) -> dict[str, str]:
        return {d.code: d.name for d in self.districts}


class District(db.Model):
    """A Sozialraum, Stadtteil or member municipality; `code` stays stable when renamed."""

    __table_args__ = (sa.UniqueConstraint("kommune_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    kommune: Mapped[Kommune] = relationship(back_populates="districts")

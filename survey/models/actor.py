"""The actor register (Akteursverzeichnis): the Kommune's organisations, reused by every survey."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utc_now


class Actor(Model):
    __table_args__ = (sa.Index("ix_actor_kommune_email", "kommune_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    provider_type: Mapped[str] = mapped_column(sa.String(60), default="")
    sector: Mapped[str] = mapped_column(sa.String(60), default="")
    districts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The main contact person (the one invitations go to); further ones are ActorContact rows.
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_role: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(60), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Raised by every planner edit saved through `views/edit_conflicts.claim`: a form carries the
    # version it showed, and a save over a newer one gets the conflict notice instead of overwriting.
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    # "Zuletzt bestätigt": when a planner last confirmed the contact person (saving the entry, the
    # button "Kontakt bestätigen", an import row). Without confirmation for CONTACT_RETENTION_DAYS
    # the contact person's name, address and phone are cleared (services/retention.py).
    contact_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    contacts: Mapped[list[ActorContact]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", order_by="ActorContact.id")

    @property
    def code(self) -> str:
        """The actor's code in answers and analysis (partner roster, network nodes)."""
        return f"a{self.id}"


class ActorContact(Model):
    """A further contact person of a register entry (name, address, role); the main one is on Actor."""

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    role: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    actor: Mapped[Actor] = relationship(back_populates="contacts")

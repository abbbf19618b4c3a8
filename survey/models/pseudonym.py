"""Pseudonyms of organisations for analysts' row-level data, one per organisation and series."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utc_now


class Pseudonym(Model):
    """A random code ("E-K7QM4P") standing for one organisation in every wave of a series.

    `series_id` is the first survey of the series (the end of the `previous_id` chain), so all
    waves share the codes. `subject` says whom the code stands for: "a<actor id>" for a register
    actor, "m<SHA-256 of the lower-cased address>" for an invited address without register entry,
    "n<SHA-256 of the normalised name>" for a partner named only by a typed name, "i<invitation id>"
    for an invitation whose address retention deleted (the "m" rows of addresses no invitation of
    the series carries any more are deleted with them). The code is drawn
    with `secrets`, never derived from the subject.
    """

    __table_args__ = (
        sa.UniqueConstraint("series_id", "subject", name="uq_pseudonym_series_subject"),
        sa.UniqueConstraint("series_id", "code", name="uq_pseudonym_series_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(80))
    code: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

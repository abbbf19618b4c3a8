"""Partner names matched to the register: a typed partner name (or a merged actor's code) → actor.

The raw answers are never changed; the results bridge (`services/results/dataset.py`) reads the
answers through these rows, so a name a planner assigned joins its register actor in the network.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .actor import Actor
from .base import UTCDateTime, utc_now


class PartnerMatch(Model):
    """One decision of a planner (or of a register merge) about a partner reference.

    `key` is what the answers hold: "n:<normalised name>" for a partner typed by name
    (`services/partner_matching.name_key`), "a:<actor code>" for the code of a register entry that
    was merged into another one. `actor_id` is the register actor it stands for; NULL means the
    planner rejected every suggestion: the name is an organisation of its own (no longer listed as
    unmatched). Per Kommune: the same spelling means the same organisation in every survey of the
    Kommune; `survey_id` records where it was decided (NULL: a register merge).
    """

    __tablename__ = "partner_match"
    __table_args__ = (sa.UniqueConstraint("kommune_id", "key", name="uq_partner_match_kommune_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(320))
    raw_name: Mapped[str] = mapped_column(sa.String(300))  # the spelling as first typed (or the merged entry's name)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    score: Mapped[float | None] = mapped_column(sa.Float)  # of the accepted suggestion; NULL when chosen by hand
    survey_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    actor: Mapped[Actor | None] = relationship()

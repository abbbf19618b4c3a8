"""The addressee history of an invitation: passed on by the respondent to a colleague, or changed by a planner.

A respondent's delegation gives the invitation a new link; the old link's hash stays here, so the
old link can say to whom (name, masked address) and when the survey was passed on. The response
belongs to the invitation, so the answers so far stay with the organisation and the colleague
continues them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utc_now
from .invitation import Invitation

RESPONDENT = "respondent"  # passed on through the personal link ("An eine Kollegin … weitergeben")
PLANNER = "planner"  # a planner changed the addressee on the invitation page (same link)


class Delegation(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(20), default=RESPONDENT)
    # The SHA-256 of the link that stopped working (respondent delegations; None when the link stayed).
    old_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    from_email: Mapped[str] = mapped_column(sa.String(254), default="")
    to_name: Mapped[str] = mapped_column(sa.String(200), default="")
    to_email: Mapped[str] = mapped_column(sa.String(254), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    invitation: Mapped[Invitation] = relationship()

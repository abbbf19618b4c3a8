"""Typed SQLAlchemy models, one module per aggregate."""

from .actor import Actor
from .base import utc_now
from .bounce import BounceOutcome, BounceReport
from .invitation import Invitation, InvitationStatus
from .kommune import District, Kommune
from .outbox import OutboxMessage, OutboxStatus
from .response import Response
from .survey import Survey, SurveyItem, SurveyPage, SurveyState
from .user import AccountToken, Role, TokenPurpose, User

__all__ = [
    "AccountToken", "TokenPurpose", "Actor", "BounceOutcome", "BounceReport", "District", "Invitation", "InvitationStatus", "Kommune", "OutboxMessage", "OutboxStatus",
    "Response", "Role", "Survey", "SurveyItem", "SurveyPage", "SurveyState", "User", "utc_now",
]

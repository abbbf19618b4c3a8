"""Typed SQLAlchemy models, one module per aggregate."""

from .actor import Actor, ActorContact
from .audit import AuditEntry
from .base import utc_now
from .bounce import BounceOutcome, BounceReport
from .coding import CodingAssignment, CodingCategory, CodingRejection
from .delegation import Delegation
from .invitation import Invitation, InvitationStatus
from .job import Job, JobState, WorkerBeat
from .kommune import District, Kommune
from .outbox import MailRate, OutboxMessage, OutboxStatus
from .partner_match import PartnerMatch
from .pseudonym import Pseudonym
from .response import Response
from .survey import Survey, SurveyItem, SurveyPage, SurveyState
from .throttle import Throttle
from .user import AccountToken, Role, TokenPurpose, User

__all__ = [  # one name per line, so parallel changes merge
    "AccountToken",
    "Actor",
    "ActorContact",
    "AuditEntry",
    "BounceOutcome",
    "BounceReport",
    "CodingAssignment",
    "CodingCategory",
    "CodingRejection",
    "Delegation",
    "District",
    "Invitation",
    "InvitationStatus",
    "Job",
    "JobState",
    "Kommune",
    "MailRate",
    "OutboxMessage",
    "OutboxStatus",
    "PartnerMatch",
    "Pseudonym",
    "Response",
    "Role",
    "Survey",
    "SurveyItem",
    "SurveyPage",
    "SurveyState",
    "Throttle",
    "TokenPurpose",
    "User",
    "WorkerBeat",
    "utc_now",
]

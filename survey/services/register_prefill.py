"""The organisation's own facts filled in from the register on a respondent's first start.

For an invitation of a register entry, "Wie heißt Ihre Einrichtung?" (the invitation's organisation
name, else the entry's), its sector and its districts come pre-filled, so members of a network don't
retype what the Kommune already knows; the respondent sees and may change them like any answer.
A follow-up wave's own pre-fill (the previous answers, `services/waves.py`) comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis import keys as analysis_keys
from questionnaires.kinds import KINDS
from questionnaires.model import Question

from ..models import Invitation

NAME_KEY = "akteur.name"


def facts(invitation: Invitation) -> dict[str, Any]:
    """Question key → the value the register knows for the invited organisation."""
    actor = invitation.actor
    if actor is None:  # a pasted address: its organisation name is the planner's guess, not the register's
        return {}
    found: dict[str, Any] = {NAME_KEY: invitation.organisation or actor.name}
    if actor.sector:
        found[analysis_keys.SECTOR] = actor.sector
    if actor.districts:
        found[analysis_keys.DISTRICTS] = list(actor.districts)
    return found


def prefill(invitation: Invitation, questions: Sequence[Question], draft: dict[str, list[str]]) -> dict[str, list[str]]:
    """`draft` with the register's facts for questions it does not answer yet (a value that does not
    fit the question — an option it lacks — is left out)."""
    known = facts(invitation)
    for question in questions:
        if question.key not in known or any(n == question.key or n.startswith(question.key + "/") for n in draft):
            continue
        value = known[question.key]
        if isinstance(value, list) and question.options:
            value = [v for v in value if v in question.option_codes] or None
        if value is None:
            continue
        result = KINDS[question.kind].to_raw(question, value, question.key, {})
        if result.clean:
            draft.update(result.raw)
    return draft

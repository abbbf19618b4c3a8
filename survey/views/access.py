"""Who may see what: role checks and tenant-scoped look-ups (another Kommune's data is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from ..models import Survey
from ..services.surveys import survey_of_kommune


def planner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_plan:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only the Kommune's administrators (role admin) may open the view; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def own_survey(survey_id: int) -> Survey:
    """The survey if it belongs to the current user's Kommune, else 404 (no hint that it exists)."""
    survey = survey_of_kommune(current_user.kommune_id, survey_id)
    if survey is None:
        abort(404)
    return survey

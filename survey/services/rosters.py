"""What the respondent's partner-roster macro needs: for each roster question on a page, the
Kommune's actors to pick from, those shown after the filters, and the ones already chosen.

Used by the respondent pages (filtered as asked, the respondent's own organisation left out) and
by the planner's catalogue and preview pages (unfiltered, nothing chosen).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from questionnaires.kinds import KINDS
from questionnaires.model import Catalogue, Question

from ..models import Kommune
from . import responses as response_service


def rosters(kommune: Kommune, questions: Sequence[Question], catalogue: Catalogue, *,
            exclude_actor_id: int | None = None, search: str = "", sector: str = "", district: str = "",
            raw: Mapping[str, list[str]] | None = None) -> dict[str, dict[str, Any]]:
    """Per roster question key, the template context of its macro (empty without roster questions)."""
    roster_questions = [q for q in questions if KINDS[q.kind].partners]
    if not roster_questions:
        return {}
    # The respondent's own organisation is no partner of itself.
    actors = [a for a in response_service.actors_of(kommune.id) if a.id != exclude_actor_id]
    shown = response_service.filter_actors(actors, search, sector, district)
    sector_question = catalogue.get("akteur.sektor")
    sectors = {o.code: o.label for o in sector_question.options} if sector_question else {}
    used_sectors = sorted({a.sector for a in actors if a.sector}, key=lambda c: sectors.get(c, c))
    raw = raw or {}
    found = {}
    for q in roster_questions:
        chosen = {v[0] for n, v in raw.items() if n.startswith(q.key + "/") and n.endswith("/actor") and v and v[0]}
        found[q.key] = {
            "actors": actors, "shown": shown, "search": search, "sector": sector, "district": district,
            "sectors": sectors, "used_sectors": used_sectors,
            "districts": kommune.district_names(), "chosen": chosen,
            "spatial_word": kommune.spatial_word, "spatial_plural": kommune.spatial_plural,
        }
    return found

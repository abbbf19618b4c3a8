"""Pages whose SQL statements must not grow with the number of rows (no N+1 queries)."""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa

from factories import make_survey
from survey.extensions import db
from survey.models import Survey
from survey.services import invitations as invitation_service
from survey.services import responses as response_service

ANSWERS = [
    {"netzwerk.wirkungskreis": ["stadtteil"], "netzwerk.lebensphasen": ["kita", "grundschule"],
     "netzwerk.fokus": ["Übergang Kita – Grundschule"]},
    {"netzwerk.wirkungskreis": ["quartier"], "netzwerk.lebensphasen": ["jugend_beruf"],
     "netzwerk.fokus": ["Ausbildung"]},
]


@contextlib.contextmanager
def counted(app):
    """Collect the SQL statements executed inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _survey_with(app, user_id: int, rows: int) -> int:
    """An open survey with `rows` invitations; every invitation has answered, two in three submitted."""
    with app.app_context():
        survey = make_survey(user_id, title=f"Netzwerke ({rows})")
        for number in range(rows):
            invitation, _token = invitation_service.invite(survey, f"traeger{number}@beispiel.example",
                                                           organisation=f"Träger {number}")
            response = response_service.start(invitation)
            page, questions = response_service.pages_with_questions(survey)[0]
            response_service.save_page(response, questions, ANSWERS[number % 2], 0, None)
            if number % 3:
                assert response_service.submit(response) == {}
        db.session.commit()
        return survey.id


def _statements_for(app, client, url: str) -> list[str]:
    client.get(url)  # warm up: caches, first-time lookups
    with counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return list(statements)


def _explain(small: list[str], large: list[str]) -> str:
    def shapes(statements: list[str]) -> dict[str, int]:
        result: dict[str, int] = {}
        for statement in statements:
            shape = re.sub(r"\s+", " ", statement)[:160]
            result[shape] = result.get(shape, 0) + 1
        return result

    small_shapes, large_shapes = shapes(small), shapes(large)
    grown = {s: (small_shapes.get(s, 0), n) for s, n in large_shapes.items() if n > small_shapes.get(s, 0)}
    return "statements that grew (5 rows → 50 rows):\n" + "\n".join(f"  {a} → {b}: {s}" for s, (a, b) in grown.items())


@pytest.mark.parametrize("page", ["/surveys/{id}/invitations", "/results/{id}"])
def test_page_queries_do_not_grow_with_the_number_of_rows(app, planner, planner_client, page):
    small = _survey_with(app, planner[0], 5)
    large = _survey_with(app, planner[0], 50)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 2

    few = _statements_for(app, planner_client, page.format(id=small))
    many = _statements_for(app, planner_client, page.format(id=large))
    assert len(many) == len(few), _explain(few, many)

"""The row exports over the database: generated surveys of every registered kind stored as survey
items with real responses (submitted answers and raw drafts still in progress). The streamed
download equals the export of the built dataset, every row is as long as its header, and the
"Rohdaten" read back give the stored answers."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import export, keys
from analysis.csvdialect import read_rows
from export_cases import DIALECTS, assert_same_values, csv_rows, entry_groups, records, surveys
from factories import PRIVACY
from questionnaires.kinds import VARIANTS, kind_of
from survey.extensions import db
from survey.models import Survey, User
from survey.services import invitations as invitation_service
from survey.services import responses as response_service
from survey.services import surveys as survey_service
from survey.services.results import dataset as results_dataset

WHAT = {"responses": "antworten", "offers": "angebote", "partners": "kooperationen"}


def _store(app, user_id: int, questions, rng: random.Random) -> int:
    """A survey with `questions` (own ones as own) and responses; returns its id."""
    with app.app_context():
        user = db.session.get(User, user_id)
        survey = survey_service.create_survey(user.kommune, user, f"Erzeugt {rng.randrange(10**9)}",
                                              contact_name="Petra Plan", contact_email=user.email,
                                              privacy_notice=PRIVACY)
        for question in questions:
            survey_service.add_question(survey, question, own=question.key.startswith("eigene."))
        survey_service.open_survey(survey)
        built = survey.questions()  # district options are the Kommune's
        for n, record in enumerate(records(built, rng, 5)):
            invitation, _token = invitation_service.invite(survey, f"org{n}@traeger.example",
                                                           organisation=record.organisation)
            response = response_service.start(invitation)
            raw: dict[str, list[str]] = {}
            for question in built:
                prefill = kind_of(question).to_raw(question, record.values.get(question.key), question.key,
                                                   record.values)
                raw.update(prefill.raw)
            response.draft = raw
            if record.status == keys.SUBMITTED:
                response_service.submit(response)  # may refuse a required answer: stays in progress
        db.session.commit()
        return survey.id


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(questions=surveys(), rng=st.randoms(use_true_random=False))
def test_streamed_rows_equal_the_built_dataset_and_read_back(app, planner, planner_client, questions, rng):
    survey_id = _store(app, planner[0], questions, rng)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        dataset = results_dataset.build_dataset(survey, include_drafts=True)
        db.session.remove()
    groups = {"offers": keys.OFFERS, "partners": keys.PARTNERS}
    for variant, word in zip(VARIANTS, ("rohdaten", "lesbar"), strict=True):
        for dialect in DIALECTS:
            for what, name in WHAT.items():
                got = planner_client.get(f"/results/{survey_id}/{name}.csv?format={dialect}&variante={word}"
                                         "&entwuerfe=1")
                streamed = got.is_streamed
                body = got.get_data()
                if what in groups and dataset.question(groups[what]) is None:
                    assert got.status_code == 404
                    continue
                assert got.status_code == 200 and streamed
                built = b"".join(getattr(export, f"{what}_csv")(dataset.questions, dataset.responses, dialect,
                                                                variant))
                assert body == built, (what, variant, dialect)
                rows = csv_rows([body], dialect)
                assert {len(row) for row in rows} == {len(rows[0])}, (what, variant, dialect)
                if what == "responses":
                    assert len(rows) == 1 + len(dataset.responses)
                if what == "responses" and word == "rohdaten":
                    _dialect, cells = read_rows(body)
                    for response, row in zip(dataset.responses, cells, strict=True):
                        back = {}
                        for question in dataset.questions:
                            back.update(kind_of(question).from_cells(question, row, _dialect.decimal))
                        plain = [q for q in dataset.questions if kind_of(q).family != "entries"]
                        assert_same_values(plain, response.values, back)
    for group in entry_groups(dataset.questions):
        rows = list(export.entry_rows(group, dataset.responses, "readable"))
        assert {len(row) for row in rows} == {len(rows[0])}

"""The figures coordinators ask for, on the results page and in the PDF report: mean and median
beside a rating scale, the network's density inside vs. across sectors in a sentence."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from factories import make_survey
from survey.extensions import db
from survey.models import Actor
from survey.services import invitations as invitation_service
from survey.services import responses as response_service

# organisation, sector, satisfaction, partners (indices): two Kitas naming each other, a school naming one
ORGS = [("Kita Nord", "kita", "sehr_zufrieden", [1]), ("Kita Süd", "kita", "eher_zufrieden", [0]),
        ("Grundschule Mitte", "schule", "eher_unzufrieden", [0]), ("Schule Ost", "schule", "teils_teils", [])]


@pytest.fixture
def survey_id(app, planner) -> int:
    with app.app_context():
        survey = make_survey(planner[0], keys=["akteur.name", "kooperation.zufriedenheit", "kooperation.partner"],
                             title="Zusammenarbeit 2026")
        actors = [Actor(kommune_id=survey.kommune_id, name=name, sector=sector, email=f"o{i}@traeger.example")
                  for i, (name, sector, _s, _p) in enumerate(ORGS)]
        db.session.add_all(actors)
        db.session.flush()
        for actor, (name, _sector, satisfaction, partners) in zip(actors, ORGS, strict=True):
            invitation, _token = invitation_service.invite(survey, actor.email, actor=actor)
            response = response_service.start(invitation)
            response.draft = {"akteur.name": [name], "kooperation.zufriedenheit": [satisfaction]}
            for n, partner in enumerate(partners):
                response.draft[f"kooperation.partner/{n}/actor"] = [actors[partner].code]
                response.draft[f"kooperation.partner/{n}/art"] = ["informationsaustausch"]
                response.draft[f"kooperation.partner/{n}/haeufigkeit"] = ["monatlich"]
            assert response_service.submit(response) == {}
        db.session.commit()
        return survey.id


def test_results_page_shows_mean_median_with_mapping_and_the_density_sentence(planner_client, survey_id):
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    # 1 = Sehr unzufrieden … 5 = Sehr zufrieden: 5, 4, 2, 3 → mean 3,5, median 3,5
    table = page[page.index('data-table="kooperation.zufriedenheit"'):]
    table = table[:table.index("</table>")]
    assert re.findall(r'<th scope="col" class="num">([^<]+)</th>', table)[-2:] == ["Mittelwert", "Median"]
    assert re.findall(r'<td class="num">([^<]+)</td>', table)[-3:] == ["4", "3,5", "3,5"]
    assert "Mittelwert und Median: 1 = Sehr unzufrieden … 5 = Sehr zufrieden." in page
    # one tie inside "kita" (1 pair there), one across (4 pairs), none inside "schule" (1 pair): 50 % vs 25 %
    sentence = re.search(r'<p id="dichte-satz"[^>]*>([^<]+)</p>', page).group(1)
    assert sentence.startswith("Innerhalb der Handlungsfelder ist das Netzwerk dichter als zwischen ihnen: "
                               "50,0\u00a0% der möglichen Paare innerhalb eines Handlungsfelds kooperieren, "
                               "25,0\u00a0% der Paare aus verschiedenen Handlungsfeldern")
    assert "Gerichtete Dichte (%)" in page and "Was die Zahl misst" in page


def test_report_states_mean_median_and_the_density_sentence(app, survey_id):
    """The report's HTML (what WeasyPrint prints; the PDF itself is checked in test_report.py)."""
    from analysis import report as doc
    from survey.models import Survey
    from survey.services import report as report_service
    from survey.services import results_page
    from survey.services.results.charts import Viewer
    from survey.services.results.filters import Filters

    with app.app_context():
        viewer = Viewer(planner=True, min_group=3)
        _dataset, key, data = results_page.page(db.session.get(Survey, survey_id), Filters(), viewer)
        report = report_service.build(data, title="Zusammenarbeit 2026", kommune="", viewer=viewer, key=key,
                                      responses=4, filters="Alle Einrichtungen", today=dt.date(2026, 12, 2))
    text = " ".join(re.sub(r"<[^>]+>", " ", doc.html(report)).split())
    assert "Mittelwert Median" in text and "1 = Sehr unzufrieden … 5 = Sehr zufrieden" in text
    assert "Innerhalb der Handlungsfelder ist das Netzwerk dichter als zwischen ihnen" in text
    assert "Gerichtete Dichte zwischen Handlungsfeldern (%)" in text

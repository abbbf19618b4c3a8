"""Every chart of the demo survey's results page, as the page serves it, is legible: no two texts
overlap and none leaves the picture (the generated long-label cases are in
tests/analysis/test_chart_legibility.py; this one runs the real page's charts on the demo data)."""

from __future__ import annotations

import sqlalchemy as sa

from analysis.charts import frame as chart_frame
from legibility import legibility_problems
from survey.extensions import db
from survey.models import Survey
from survey.services.demo import load_demo
from survey.services.results import charts as results_charts
from survey.services.results import dataset as results_dataset
from survey.services.results import filters as results_filters


def test_every_chart_of_the_demo_results_page_is_legible(app):
    with app.app_context():
        load_demo()
        db.session.commit()
        survey = db.session.scalar(sa.select(Survey))
        dataset = results_dataset.analysed(results_dataset.build_dataset(survey, include_drafts=False))
        checked = 0
        for planner in (True, False):
            viewer = results_charts.Viewer(planner=planner, min_group=3)
            for name in list(results_charts.SPECIAL_CHARTS) + [q.key for q in dataset.questions]:
                chart = results_charts.find_chart(dataset, name, results_filters.Filters(), viewer)
                if chart is None or chart.draw is None:
                    continue
                fig = chart.figure()
                assert legibility_problems(fig) == [], (name, planner)
                assert b"<text" in chart_frame.render(fig, "svg")
                checked += 1
        assert checked >= 30

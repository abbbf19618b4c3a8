"""The response overview from invitations."""

import datetime as dt

import pytest

from analysis import overview


def test_funnel_counts_and_response_rate(dataset):
    counts = overview.overview(dataset.invitations)
    assert (counts.invited, counts.opened, counts.in_progress, counts.submitted) == (5, 4, 1, 3)
    assert counts.failed == 1
    assert counts.response_rate == pytest.approx(3 / 5)


def test_cumulative_submissions_per_berlin_day_include_quiet_days(dataset):
    points = overview.submissions_over_time(dataset)
    assert [(p.day, p.submitted) for p in points] == [
        (dt.date(2024, 3, 1), 2), (dt.date(2024, 3, 2), 2), (dt.date(2024, 3, 3), 3)]
    assert points[-1].rate == pytest.approx(0.6)


def test_late_evening_utc_counts_for_the_next_berlin_day():
    moment = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC)
    assert overview.local_day(moment) == dt.date(2024, 3, 2)


def test_rate_by_district_and_sector(dataset):
    by_district = {g.code: (g.invited, g.submitted) for g in overview.rate_by_district(dataset)}
    assert by_district == {"nord": (3, 2), "mitte": (2, 2), "eving": (1, 0)}
    by_sector = {g.code: g.rate for g in overview.rate_by_sector(dataset)}
    assert by_sector["jugendhilfe"] == 1.0 and by_sector["gesundheit"] == 0.5 and by_sector["bildung"] == 0.0


def test_without_invitations_the_responses_give_the_time_line(dataset):
    from dataclasses import replace

    points = overview.submissions_over_time(replace(dataset, invitations=()))
    assert points[-1].submitted == 3 and points[-1].rate is None

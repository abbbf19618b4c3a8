"""The response overview: how many were invited, opened, are in progress, have submitted.

Statuses are the furthest state an invitation reached. Counting rules:

* invited = invitations that reached someone: status sent, opened, in_progress, submitted or
  declined ("nimmt nicht teil": the organisation got the invitation and said no — a non-response,
  so it stays in the denominator). Not yet sent (created), failed, bounced ("unzustellbar": the
  mail came back, nobody was reached) and withdrawn invitations are counted separately and are not
  part of the denominator.
* opened counts everyone who opened the form at least once (opened, in_progress, submitted).
* response rate = submitted / invited, computed by `response_rate()` and nowhere else: the
  dashboard, the invitation list and the results use it. A status added later is out of the
  denominator unless it is added to `DELIVERED`.
* Days are calendar days in Europe/Berlin.
* By district: an actor working in several districts counts in each of them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from questionnaires import formatting as fmt
from questionnaires.model import Option

from .dataset import Dataset, InvitationRecord

DELIVERED = frozenset({"sent", "opened", "in_progress", "submitted", "declined"})
OPENED = frozenset({"opened", "in_progress", "submitted"})


def rate_base(status_counts: Mapping[str, int]) -> int:
    """The denominator of the response rate: invitations that reached someone (see the module text)."""
    return sum(status_counts.get(s, 0) for s in DELIVERED)


def response_rate(status_counts: Mapping[str, int]) -> float | None:
    """Submitted / invited as a share (0.25 for a quarter), or None while nobody was reached.

    `status_counts` maps an invitation status ("sent", "submitted", …) to its number."""
    base = rate_base(status_counts)
    return status_counts.get("submitted", 0) / base if base else None


@dataclass(frozen=True)
class Overview:
    invited: int
    opened: int
    in_progress: int
    submitted: int
    not_sent: int
    failed: int
    withdrawn: int
    bounced: int = 0  # "unzustellbar": out of the denominator
    declined: int = 0  # "nimmt nicht teil": part of `invited`


    status_counts: tuple[tuple[str, int], ...] = ()

    @property
    def response_rate(self) -> float | None:
        return response_rate(dict(self.status_counts))


def overview(invitations: Iterable[InvitationRecord]) -> Overview:
    """Counts of the invitation funnel and the response rate."""
    status = Counter(i.status for i in invitations)
    return Overview(
        invited=sum(status[s] for s in DELIVERED),
        opened=sum(status[s] for s in OPENED),
        in_progress=status["in_progress"],
        submitted=status["submitted"],
        not_sent=status["created"],
        failed=status["failed"],
        withdrawn=status["withdrawn"],
        bounced=status["bounced"],
        declined=status["declined"],
        status_counts=tuple(sorted(status.items())),
    )


@dataclass(frozen=True)
class DayPoint:
    day: dt.date
    submitted: int  # cumulative
    rate: float | None  # cumulative submitted / invited (all invited, whenever)


def local_day(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return fmt.local(moment).date()


def submissions_over_time(dataset: Dataset) -> list[DayPoint]:
    """Cumulative submissions per day, from the first to the last submission (days without any
    submission included). Submission times come from the invitations, or from the responses
    when the dataset has no invitations (e.g. read from a CSV export)."""
    if dataset.invitations:
        times = [i.submitted_at for i in dataset.invitations if i.status == "submitted" and i.submitted_at]
        invited = overview(dataset.invitations).invited
    else:
        times = [r.submitted_at for r in dataset.responses if r.submitted and r.submitted_at]
        invited = 0
    per_day = Counter(local_day(t) for t in times)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    points, total, day = [], 0, first
    while day <= last:
        total += per_day[day]
        points.append(DayPoint(day, total, total / invited if invited else None))
        day += dt.timedelta(days=1)
    return points


@dataclass(frozen=True)
class GroupRate:
    code: str
    label: str
    invited: int
    submitted: int

    @property
    def rate(self) -> float | None:
        return response_rate({"sent": self.invited - self.submitted, "submitted": self.submitted})


def _rates(groups: Iterable[tuple[InvitationRecord, Iterable[str]]], options: Iterable[Option]) -> list[GroupRate]:
    invited: Counter[str] = Counter()
    submitted: Counter[str] = Counter()
    for invitation, codes in groups:
        if invitation.status not in DELIVERED:
            continue
        for code in set(codes) or {""}:
            invited[code] += 1
            submitted[code] += invitation.status == "submitted"
    known = {o.code: o.label for o in options}
    codes = list(known) + sorted(c for c in invited if c not in known)
    labels = known | {"": "ohne Angabe"}
    return [GroupRate(c, labels.get(c, c), invited[c], submitted[c]) for c in codes]


def rate_by_district(dataset: Dataset) -> list[GroupRate]:
    """Invited, submitted and response rate per district."""
    groups = [(i, dataset.invitation_attributes(i)[0]) for i in dataset.invitations]
    return _rates(groups, dataset.district_options)


def rate_by_sector(dataset: Dataset) -> list[GroupRate]:
    """Invited, submitted and response rate per sector."""
    groups = [(i, [dataset.invitation_attributes(i)[1]]) for i in dataset.invitations]
    return _rates(groups, dataset.sector_options)

"""The bridge from the database to `analysis`: one survey's answers as an `analysis.Dataset`, the
filters of the results page, and every chart of the page with its underlying table.

Queries are few and independent of the number of rows (invitations, responses, actors: one query
each). Drafts are parsed from their raw form data so "including drafts" shows what respondents
have typed so far.

Privacy decisions (analysts = users without planner rights):

* No contact data: the organisation of a response falls back to the register name or a neutral
  "Einrichtung <n>", never to the invitation's e-mail address; contact questions
  (`CONTACT_KEYS`, e.g. "who can we ask?") are left out of every result and of the analysts'
  exports. Planners keep them in the responses CSV, which they need for queries back.
* No names: analysts' datasets and row downloads name every organisation (respondents, register
  actors, partners) by its stored random code (`pseudonyms`, stable across the waves of a series);
  questions that ask for the organisation's own name (`NAME_KEYS`) are left out like contact
  questions. Whether analysts get row-level downloads at all is `row_access`.
* Small numbers (`MIN_GROUP_SIZE`): question charts and tables, actor counts and response rates
  hide cells of 1 … min−1 respondents. Coverage and network views are shown whole or not at all:
  they are hidden when fewer than min respondents reported offers / partners. Their cells count
  *offers* and *ties*, which providers publish anyway, and a cell with one offer is exactly the
  thin spot the coverage view exists to show.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import current_app
from matplotlib.figure import Figure

from analysis import ActorRecord, Dataset, InvitationRecord, ResponseRecord
from analysis import charts, coverage, network, tables
from analysis import keys as analysis_keys
from analysis import overview as overview_mod
from analysis.compact import Compactor
from analysis import privacy
from analysis.network import normalise_name
from analysis.privacy import suppress
from analysis.statistics import Frequencies, summarise
from analysis.tables import Table
from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS
from questionnaires.model import Option, Question

from ..extensions import db
from ..models import Actor, Invitation, Response, Survey
from . import pseudonyms
from .cache import ttl_memo
from . import responses as response_service

CONTACT_KEYS = frozenset({"akteur.ansprechperson"})
# Questions whose answer is the respondent organisation's (or its network's, its provider's) name:
# never shown to analysts, whatever the planner shares.
NAME_KEYS = frozenset({"akteur.name", "akteur.traeger", "netzwerk.name"})
CACHE_SIZE = 16  # entries: datasets, networks and page data of the surveys being looked at
PAGE_ROWS = 60
CACHE_SECONDS = 300
# The results page, its ~40 chart images and the downloads all need the same dataset and network;
# with a data stamp in the key (`data_stamp`) an entry is never stale, the time limit only bounds
# memory held for surveys nobody looks at.
_memo = ttl_memo(CACHE_SIZE, CACHE_SECONDS)
cached = _memo.get


def data_stamp(survey: Survey) -> tuple[Any, ...]:
    """What changes whenever the survey's results can change: responses saved or submitted,
    invitations changing state, register entries edited (three small aggregate queries)."""
    responses = (sa.select(sa.func.count(Response.id), sa.func.count(Response.submitted_at),
                           sa.func.max(Response.saved_at), sa.func.max(Response.submitted_at),
                           sa.func.sum(Response.revision))
                 .where(Response.survey_id == survey.id))
    invitations = (sa.select(Invitation.status, sa.func.count(Invitation.id).label("n"),
                             sa.func.max(Invitation.sent_at).label("sent"),
                             sa.func.max(Invitation.opened_at).label("opened"),
                             sa.func.max(Invitation.submitted_at).label("submitted"),
                             sa.func.max(Invitation.withdrawn_at).label("withdrawn"))
                   .where(Invitation.survey_id == survey.id).group_by(Invitation.status))
    actors = sa.select(sa.func.count(Actor.id), sa.func.max(Actor.updated_at)).where(
        Actor.kommune_id == survey.kommune_id)
    rows = db.session.execute(invitations).all()
    return (survey.id, survey.created_at, tuple(db.session.execute(responses).one()),
            tuple(db.session.execute(actors).one()), tuple(sorted((str(r[0]), *r[1:]) for r in rows)))


def dataset_for(survey: Survey, include_drafts: bool, contacts: bool) -> tuple[Dataset, Hashable]:
    """`build_dataset`, cached while the data stamp is unchanged; returns the dataset and its key."""
    key = ("dataset", data_stamp(survey), include_drafts, contacts)
    return cached(key, lambda: build_dataset(survey, include_drafts, contacts)), key


def _catalogue_options(key: str) -> tuple[Option, ...]:
    question = current_app.extensions["catalogue"].get(key)
    return question.options if question else ()


def _actor_record(actor: Actor) -> ActorRecord:
    return ActorRecord(code=actor.code, name=actor.name, sector=actor.sector, provider_type=actor.provider_type,
                       districts=tuple(actor.districts or ()))


def _partner_codes(values: Mapping[str, Any]) -> set[str]:
    return {str(p.get(analysis_keys.PARTNER_ACTOR)) for p in values.get(analysis_keys.PARTNERS) or ()
            if isinstance(p, Mapping) and p.get(analysis_keys.PARTNER_ACTOR)}


def _response_query(survey_id: int, include_drafts: bool) -> sa.Select:
    """The responses of a survey by id with what a `ResponseRecord` needs from the invitation and its
    actor. Plain rows, and the raw draft only where it is needed (not submitted): half the JSON to read."""
    draft = sa.type_coerce(sa.case((Response.submitted_at.is_(None), Response.draft), else_=sa.null()), sa.JSON)
    query = (sa.select(Response.id, Response.submitted_at, Response.answers, draft, Invitation.id,
                       Invitation.email, Invitation.organisation, Actor)
             .join(Invitation, Response.invitation_id == Invitation.id)
             .outerjoin(Actor, Invitation.actor_id == Actor.id)
             .where(Response.survey_id == survey_id).order_by(Response.id))
    if not include_drafts:
        query = query.where(Response.submitted_at.isnot(None))
    return query


def _response_record(row: Sequence[Any], questions: Sequence[Question], contacts: bool,
                     compactor: Compactor | None = None) -> ResponseRecord:
    """One row of `_response_query` as the analysis sees it: typed answers (parsed from the draft
    while not submitted), contact questions left out for analysts, the organisation's name from the
    invitation, else the register, else the e-mail address (planners) or "Einrichtung <n>"."""
    response_id, submitted_at, answers, raw, invitation_id, email, organisation, actor = row
    if submitted_at is not None:
        values = answers or {}
        status = analysis_keys.SUBMITTED
    else:
        shown = response_service.shown_questions(questions, raw or {})
        values = response_service.parse(shown, raw or {}).values
        status = analysis_keys.IN_PROGRESS
    if not contacts and CONTACT_KEYS.intersection(values):
        values = {k: v for k, v in values.items() if k not in CONTACT_KEYS}
    if compactor is not None:
        values = compactor.values(values)
    fallback = email if contacts else f"Einrichtung {invitation_id}"
    return ResponseRecord(
        id=response_id, status=status, submitted_at=submitted_at,
        actor=actor.code if actor else None,
        organisation=organisation or (actor.name if actor else "") or fallback,
        values=values,
    )


def export_questions(survey: Survey, contacts: bool) -> tuple[Question, ...]:
    """The questions of the dataset and of the row-level exports (analysts: no contact questions,
    no question asking for the organisation's name)."""
    questions = survey.questions()
    return tuple(q for q in questions if contacts or (q.key not in CONTACT_KEYS and q.key not in NAME_KEYS))


def _subject(row: Sequence[Any]) -> str:
    """Whom a response stands for, for its pseudonym: its register actor, else its address, else
    (address deleted after the survey closed) its invitation."""
    invitation_id, email, actor = row[4], row[5], row[7]
    if actor is not None:
        return pseudonyms.actor_subject(actor.code)
    return pseudonyms.address_subject(email) if email else pseudonyms.invitation_subject(invitation_id)


def _roster_entries(record: ResponseRecord, rosters: set[str]) -> Iterator[Mapping[str, Any]]:
    for key in rosters:
        for entry in record.values.get(key) or ():
            if isinstance(entry, Mapping):
                yield entry


def _pseudonymised(survey: Survey, dataset: Dataset, subjects: Mapping[int, str],
                   names: Mapping[str, str]) -> Dataset:
    """`dataset` as analysts get it (`privacy.pseudonymise`): `subjects` says whom each response
    stands for, `names` maps normalised real names (register actors, respondents) to their subject,
    so a partner typed by name that matches a known organisation gets that organisation's code."""
    rosters = {q.key for q in dataset.questions if KINDS[q.kind].partners}
    actor_codes = {a.code for a in dataset.actors} | {i.actor for i in dataset.invitations if i.actor}
    actor_codes |= {r.actor for r in dataset.responses if r.actor}
    free: dict[str, str] = {}
    for record in dataset.responses:
        for entry in _roster_entries(record, rosters):
            code = str(entry.get(analysis_keys.PARTNER_ACTOR) or "").strip()
            name = str(entry.get(analysis_keys.PARTNER_NAME) or "").strip()
            if code:
                actor_codes.add(code)
            elif name:
                normalised = normalise_name(name)
                free[normalised] = names.get(normalised) or pseudonyms.name_subject(normalised)
    codes = pseudonyms.ensure(survey, {*subjects.values(), *actor_codes, *free.values()})
    return privacy.pseudonymise(
        dataset, {rid: codes[subject] for rid, subject in subjects.items()},
        {code: codes[code] for code in actor_codes},
        lambda name: codes[free[normalise_name(name)]])


def _name_index(actors: Sequence[ActorRecord], named: Mapping[str, str]) -> dict[str, str]:
    """normalised name → subject: register actors, then respondents without register entry."""
    index = {normalise_name(name): subject for name, subject in named.items() if name}
    index.update({normalise_name(a.name): pseudonyms.actor_subject(a.code) for a in actors if a.name})
    return index


STREAM_CHUNK = 500


def stream_responses(survey: Survey, questions: Sequence[Question], filters: Filters,
                     contacts: bool, chunk: int = STREAM_CHUNK) -> Iterator[ResponseRecord]:
    """The responses of `filters.apply(build_dataset(survey, filters.include_drafts, contacts))`,
    read from the database `chunk` rows at a time (keyset pagination by id: no cursor stays open
    between chunks, and memory stays flat however many responses there are).

    Lazy: the queries run while the caller iterates, so a streamed response must keep the
    request context (`stream_with_context`). District, sector and provider-type filters are applied
    per chunk by `Dataset.filter` against the register, loaded once (the same rules as the page).
    """
    survey_id, kommune_id = survey.id, survey.kommune_id
    query = _response_query(survey_id, filters.include_drafts)
    filtered = bool(filters.districts or filters.sectors or filters.provider_types)

    def generate() -> Iterator[ResponseRecord]:
        register: tuple[ActorRecord, ...] = ()
        if filtered or not contacts:
            register = tuple(_actor_record(a) for a in db.session.scalars(
                sa.select(Actor).where(Actor.kommune_id == kommune_id)))
        last = 0
        while True:
            rows = db.session.execute(query.where(Response.id > last).limit(chunk)).all()
            if not rows:
                return
            last = rows[-1][0]
            records = tuple(_response_record(row, questions, contacts) for row in rows)
            if filtered:
                records = filters.apply(Dataset(questions=tuple(questions), responses=records,
                                                actors=register)).responses
            if not contacts:  # analysts: codes instead of names (the register is only for the filter)
                subjects = {row[0]: _subject(row) for row in rows}
                named = {(row[6] or ""): subjects[row[0]] for row in rows if row[7] is None}
                chunk_set = Dataset(questions=tuple(questions), responses=records)
                records = _pseudonymised(survey, chunk_set, {r.id: subjects[r.id] for r in records},
                                         _name_index(register, named)).responses
            yield from records

    return generate()


def build_dataset(survey: Survey, include_drafts: bool = True, contacts: bool = True) -> Dataset:
    """Everything the analysis needs about `survey`, read in a handful of queries.

    `contacts=False` (analysts): no e-mail address as organisation name, no contact questions.
    The actors are the invited organisations and every register actor named as a partner (the
    network counts the invited ones without any tie as isolates).
    """
    questions = list(export_questions(survey, contacts))
    invitation_rows = db.session.execute(
        sa.select(Invitation, Actor).outerjoin(Actor, Invitation.actor_id == Actor.id)
        .where(Invitation.survey_id == survey.id).order_by(Invitation.id)
    ).all()
    compactor = Compactor()  # shared strings, lists and entries: a few KB per response, not ~11 KB
    records, subjects, respondent_names = [], {}, {}
    for row in db.session.execute(_response_query(survey.id, include_drafts).execution_options(yield_per=STREAM_CHUNK)):
        records.append(_response_record(row, questions, contacts, compactor))
        if not contacts:
            subjects[row[0]] = _subject(row)
            if row[7] is None and row[6]:
                respondent_names[row[6]] = subjects[row[0]]
    named: set[str] = set()
    for record in records:
        named |= _partner_codes(record.values)
    register = db.session.scalars(sa.select(Actor).where(Actor.kommune_id == survey.kommune_id))
    invited = {actor.id for _invitation, actor in invitation_rows if actor is not None}
    actors = [a for a in register if a.id in invited or (a.active and a.code in named)]
    invitations = tuple(
        InvitationRecord(
            id=invitation.id, actor=actor.code if actor else None, status=invitation.status.value,
            sent_at=invitation.sent_at, opened_at=invitation.opened_at, submitted_at=invitation.submitted_at,
            districts=tuple(actor.districts or ()) if actor else (), sector=actor.sector if actor else "",
            provider_type=actor.provider_type if actor else "",
        )
        for invitation, actor in invitation_rows
    )
    dataset = Dataset(
        questions=tuple(questions),
        responses=tuple(records),
        actors=tuple(_actor_record(a) for a in actors),
        districts=tuple(Option(d.code, d.name) for d in survey.kommune.districts),
        sectors=_catalogue_options(analysis_keys.SECTOR),
        provider_types=_catalogue_options(analysis_keys.PROVIDER_TYPE),
        invitations=invitations,
        title=survey.title,
    )
    if not contacts:
        dataset = _pseudonymised(survey, dataset, subjects, _name_index(dataset.actors, respondent_names))
    return dataset


def analysed(dataset: Dataset) -> Dataset:
    """The dataset without contact questions: what every chart, table and report shows."""
    if not any(q.key in CONTACT_KEYS for q in dataset.questions):
        return dataset
    return replace(dataset, questions=tuple(q for q in dataset.questions if q.key not in CONTACT_KEYS))


def file_slug(text: str, limit: int = 40) -> str:
    """A file-name-safe slug of a title ("Netzwerke Düren 2026" → "netzwerke-dueren-2026")."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "befragung"


# -- filters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The results page's filters, as carried in the query string of every chart and download."""

    districts: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    provider_types: tuple[str, ...] = ()
    include_drafts: bool = False
    target_groups: tuple[str, ...] = ()  # coverage only
    costs: tuple[str, ...] = ()  # coverage only
    settings: tuple[str, ...] = ()  # coverage only

    PARAMS = {  # attribute → query parameter
        "districts": "stadtteil", "sectors": "handlungsfeld", "provider_types": "traegerart",
        "target_groups": "zielgruppe", "costs": "kosten", "settings": "setting",
    }

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read the filters from `request.args` (unknown codes simply match nothing)."""
        values = {name: tuple(v for v in dict.fromkeys(args.getlist(param)) if v) for name, param in cls.PARAMS.items()}
        return cls(include_drafts=args.get("entwuerfe") == "1", **values)

    def query(self) -> dict[str, Any]:
        """The filters as url_for keyword arguments (lists become repeated parameters)."""
        args: dict[str, Any] = {param: list(getattr(self, name)) for name, param in self.PARAMS.items()
                                if getattr(self, name)}
        if self.include_drafts:
            args["entwuerfe"] = "1"
        return args

    def apply(self, dataset: Dataset) -> Dataset:
        return dataset.filter(
            districts=self.districts or None, sectors=self.sectors or None,
            provider_types=self.provider_types or None, submitted_only=not self.include_drafts,
        )

    def coverage(self) -> dict[str, tuple[str, ...] | None]:
        """Keyword arguments for the coverage functions (the dataset is already filtered by sector)."""
        return {"target_groups": self.target_groups or None, "costs": self.costs or None,
                "settings": self.settings or None}

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.PARAMS) or self.include_drafts


# -- charts and their tables ------------------------------------------------------------------------


@dataclass
class Chart:
    """One chart of the results page: how to draw it and its table (`analysis.tables.Table`, the
    same numbers). `table` may be a function: the network metrics are only computed when shown."""

    name: str
    title: str
    table: Table | Callable[[], Table]
    draw: Callable[[], Figure] | None = None
    suppressed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Table:
        """The table (computed now if it was lazy)."""
        if callable(self.table):
            self.table = self.table()
        return self.table

    @property
    def header(self) -> list[str]:
        return self.data.header

    @property
    def rows(self) -> tuple[tuple[Any, ...], ...]:
        return self.data.rows

    @property
    def note(self) -> str:
        return self.data.note

    page_limit = PAGE_ROWS  # rows shown on the page (long free-text lists); the CSV has them all

    @property
    def more_rows(self) -> int:
        return max(0, len(self.rows) - PAGE_ROWS)

    def figure(self) -> Figure | None:
        return self.draw() if self.draw else None


@dataclass(frozen=True)
class Viewer:
    """Who looks: planners see everything, analysts get small-number suppression
    (an `analysis.tables.Audience`)."""

    planner: bool
    min_group: int
    rows: bool = False  # analysts: the planner shares row-level data (`row_access.shared`)
    free_text: bool = False  # analysts: … and includes free texts (`row_access.free_text`)

    @property
    def suppressing(self) -> bool:
        return not self.planner and self.min_group > 1

    @property
    def label(self) -> str:
        return tables.MARK


def _withheld(viewer: Viewer, name: str, title: str, message: str, section: str = "") -> Chart:
    message = message or f"Weniger als {viewer.min_group} Antworten – zum Schutz der Antwortenden nicht dargestellt."

    def draw() -> Figure:
        return charts.placeholder(title, message, charts.n_label(0, True, viewer.min_group))

    table = tables.withheld_table(name, title, message, section, name)
    return Chart(name, title, table, draw, suppressed=True)


def _frequency_chart(name: str, summary: Frequencies, viewer: Viewer, section: str) -> Chart:
    shown = suppress(summary, viewer.min_group, viewer.planner)
    table = tables.frequency_table(name, summary, viewer, section=section)
    return Chart(name, summary.question.prompt, table,
                 lambda: charts.bar_chart(shown, viewer.min_group), suppressed=shown.suppressed)


def actor_charts(dataset: Dataset, viewer: Viewer) -> list[Chart]:
    """Responding organisations by sector, provider type and district."""
    return [_frequency_chart(name, counts, viewer, "akteure") for name, counts in tables.actor_summaries(dataset)]


def _matrix_chart(name: str, matrix: coverage.CoverageMatrix, viewer: Viewer) -> Chart:
    table = tables.coverage_table(name, matrix, viewer)
    if table.withheld:
        return _withheld(viewer, name, matrix.title, table.withheld, "abdeckung")
    return Chart(name, matrix.title, table, lambda: charts.coverage_heatmap(matrix), extra={"matrix": matrix})


def coverage_charts(dataset: Dataset, filters: Filters, viewer: Viewer) -> list[Chart]:
    """Offers per life phase × district, × sector, and target group × life phase."""
    if dataset.question(analysis_keys.OFFERS) is None:
        return []
    matrices = tables.coverage_matrices(dataset, **filters.coverage())
    return [_matrix_chart(name, matrix, viewer) for name, matrix in matrices.items()]


def gap_sentences(matrix: coverage.CoverageMatrix) -> list[str]:
    """The gaps of a life phase × district matrix in words, one sentence per life phase."""
    by_row: dict[int, list[str]] = {}
    for r, c in sorted(matrix.gaps):
        by_row.setdefault(r, []).append(matrix.columns[c].label)
    sentences = []
    for r, columns in by_row.items():
        if len(columns) == len(matrix.columns) - len(matrix.excluded_columns):
            sentences.append(f"{matrix.rows[r].label}: in keinem {matrix.column_title} ein Angebot.")
        else:
            sentences.append(f"{matrix.rows[r].label}: kein Angebot in {_join_words(columns)}.")
    return sentences


def dense_sentences(matrix: coverage.CoverageMatrix) -> list[str]:
    return [f"{matrix.rows[r].label} in {matrix.columns[c].label}: {fmt.number(matrix.counts[r][c])} Angebote."
            for r, c in sorted(matrix.dense)]


def _join_words(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " und " + words[-1]


class NetworkView:
    """The partner network of a dataset; metrics (betweenness is the slow part) only when asked."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.graph = network.build_graph(dataset)

    @cached_property
    def metrics(self) -> network.NetworkMetrics:
        return network.metrics(self.graph)

    @cached_property
    def matrix(self) -> network.SectorMatrix:
        return network.sector_matrix(self.graph, self.dataset)


def network_view(dataset: Dataset, key: Hashable | None = None) -> NetworkView | None:
    """The network view, shared between requests with the same cache key (see `cached`)."""
    if dataset.question(analysis_keys.PARTNERS) is None:
        return None
    if key is None:
        return NetworkView(dataset)
    return cached(("network", key), lambda: NetworkView(dataset))


def network_charts(dataset: Dataset, view: NetworkView | None, viewer: Viewer) -> list[Chart]:
    """The network drawing (its table: the key figures) and the sector × sector matrix."""
    if view is None:
        return []
    title = "Kooperationsnetzwerk"
    if tables.network_withheld(dataset, viewer):
        message = tables.network_message(viewer)
        return [_withheld(viewer, "netzwerk", title, message, "netzwerke"),
                _withheld(viewer, "netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern", message,
                          "netzwerke")]
    graph = view.graph
    return [
        Chart("netzwerk", title, lambda: tables.network_metrics_table(view.metrics),
              lambda: charts.network_chart(graph, dataset)),
        Chart("netzwerk-handlungsfelder", "Kooperationen zwischen Handlungsfeldern",
              tables.sector_matrix_table(view.matrix), lambda: charts.sector_heatmap(view.matrix)),
    ]


def broker_table(dataset: Dataset, view: NetworkView) -> tables.Table:
    return tables.broker_table(dataset, view.metrics)


def question_chart(dataset: Dataset, question: Question, viewer: Viewer, filters: Filters | None = None,
                   key: Hashable | None = None) -> Chart | None:
    """A question's default chart and its table (suppressed for analysts)."""
    chart = charts.default_chart(question)
    if chart in (charts.COVERAGE, charts.NETWORK):
        found = (coverage_charts(dataset, filters or Filters(), viewer) if chart == charts.COVERAGE
                 else network_charts(dataset, network_view(dataset, key), viewer))
        return replace(found[0], name=question.key, title=question.prompt) if found else None
    draw = charts.CHARTS.get(chart)
    summary = summarise(dataset, question)
    if draw is None or summary is None:
        return None
    shown = suppress(summary, viewer.min_group, viewer.planner)
    table = tables.summary_table(question.key, summary, viewer)
    if table.withheld and not shown.suppressed:  # free texts an analyst may not see: no text in the image either
        return _withheld(viewer, question.key, question.prompt, table.withheld, table.section)
    return Chart(question.key, question.prompt, table,
                 lambda: draw(shown, viewer.min_group), suppressed=shown.suppressed)


def overview_chart(dataset: Dataset, viewer: Viewer | None = None) -> Chart:
    counts = overview_mod.overview(dataset.invitations)
    if viewer is not None and viewer.suppressing and 0 < counts.submitted < viewer.min_group:
        return _withheld(viewer, "ruecklauf", "Rücklauf im Zeitverlauf", "", "ruecklauf")
    points = overview_mod.submissions_over_time(dataset)
    return Chart("ruecklauf", "Rücklauf im Zeitverlauf", tables.response_over_time_table(dataset, viewer),
                 lambda: charts.response_over_time(points, counts.invited))


SPECIAL_CHARTS = (
    "ruecklauf", "akteure-handlungsfeld", "akteure-traegerart", "akteure-stadtteil", "abdeckung-stadtteil",
    "abdeckung-handlungsfeld", "abdeckung-zielgruppe", "netzwerk", "netzwerk-handlungsfelder",
)


def find_chart(dataset: Dataset, name: str, filters: Filters, viewer: Viewer, key: Hashable | None = None) -> Chart | None:
    """The chart `name` (a special name or a question key) of the filtered dataset."""
    if name == "ruecklauf":
        return overview_chart(dataset, viewer)
    if name in SPECIAL_CHARTS:
        if name.startswith("akteure-"):
            found = actor_charts(dataset, viewer)
        elif name.startswith("abdeckung-"):
            found = coverage_charts(dataset, filters, viewer)
        else:
            found = network_charts(dataset, network_view(dataset, key), viewer)
        return next((c for c in found if c.name == name), None)
    question = dataset.question(name)
    if question is None or question.key not in {q.key for q in dataset.questions}:
        return None  # group fields have no chart of their own
    return question_chart(dataset, question, viewer, filters, key)


def page_tables(data: Mapping[str, Any]) -> list[tables.Table]:
    """Every table of the results page, in page order, from `services.results_page.page_data`'s result
    (the workbook has a sheet for each). The offers and partners questions show the coverage and
    network tables again on the page; they are listed once."""
    found: list[tables.Table] = [data["overview_table"], data["response_chart"].data, *data["rate_tables"]]
    found += [c.data for c in data["actor_charts"]]
    found += [c.data for c in data["coverage_charts"]]
    network_charts = data["network_charts"]
    if network_charts:
        found.append(network_charts[0].data)
        if data.get("brokers") is not None:
            found.append(data["brokers"])
        found.append(network_charts[1].data)
    for question, chart in data["questions"]:
        if chart is not None and question.key not in (analysis_keys.OFFERS, analysis_keys.PARTNERS):
            found.append(chart.data)
    return found


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_berlin() -> dt.date:
    return dt.datetime.now(fmt.BERLIN).date()

"""The data contract between the web app (or a CSV export) and the analysis: frozen records.

The web app builds a `Dataset` from its database; `reader.read_dataset` builds the same from our own
export, so a notebook or the CLI gets the same statistics and charts. Nothing here knows Flask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from questionnaires.kinds import KINDS, field_name, is_empty
from questionnaires.model import Option, Question

from . import keys
from .coding import Coding


@dataclass(frozen=True)
class ResponseRecord:
    """One respondent's answers: question key → typed value as documented in `questionnaires.kinds`."""

    id: int
    status: str  # "submitted" | "in_progress"
    submitted_at: dt.datetime | None  # UTC, aware
    actor: str | None  # code of the respondent organisation in the actor register
    organisation: str
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # Entered on behalf of the organisation by a planner: the source (a key of `keys.ON_BEHALF_SOURCES`,
    # "" when the respondent answered alone) and the readable mark ("Telefon (Anna Planer, 01.12.2026 14:03)").
    on_behalf: str = ""
    on_behalf_note: str = ""

    @property
    def submitted(self) -> bool:
        return self.status == keys.SUBMITTED


@dataclass(frozen=True)
class ActorRecord:
    """An organisation of the Kommune's actor register."""

    code: str
    name: str
    sector: str = ""
    provider_type: str = ""
    districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvitationRecord:
    """One invitation, for the response overview; `status` is the furthest state it reached."""

    id: int
    actor: str | None
    status: str  # created | sent | failed | opened | in_progress | submitted | withdrawn | bounced | declined
    sent_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    districts: tuple[str, ...] = ()
    sector: str = ""
    provider_type: str = ""


@dataclass(frozen=True)
class Correction:
    """One wording change made after the survey was opened (the codebook's "Korrekturen nach dem Start").

    `part`: "prompt", "help", "option" or "item" (a matrix row); `code` the option's or row's code
    ("" for the texts of the question); `at` an aware UTC time; `note` the planner's short note.
    """

    key: str
    part: str
    code: str
    at: dt.datetime
    old: str
    new: str
    note: str


def _empty(question: Question | None, value: Any) -> bool:
    if question is None or question.kind not in KINDS:
        return is_empty(value)
    return KINDS[question.kind].is_empty(value)


@dataclass(frozen=True)
class Dataset:
    """Questions (survey order), responses, the actor register and the vocabularies of one survey.

    `actors` should be the organisations the survey concerns (typically the invited ones): the
    network counts those without any tie as isolates.
    """

    questions: tuple[Question, ...]
    responses: tuple[ResponseRecord, ...] = ()
    actors: tuple[ActorRecord, ...] = ()
    districts: tuple[Option, ...] = ()
    sectors: tuple[Option, ...] = ()
    provider_types: tuple[Option, ...] = ()
    invitations: tuple[InvitationRecord, ...] = ()
    title: str = ""
    corrections: tuple[Correction, ...] = ()  # wording changes after opening (codebook)
    # The planner's coding of free-text questions into categories (question key → `coding.Coding`):
    # their charts and tables count categories, the exports add a category column.
    codings: Mapping[str, Coding] = field(default_factory=dict, hash=False)

    # -- look-ups -------------------------------------------------------------------------------

    @cached_property
    def memo(self) -> dict[str, Any]:
        """Derived tables (e.g. the offers) that several analyses of this dataset share."""
        return {}

    @cached_property
    def _questions_by_key(self) -> dict[str, Question]:
        found: dict[str, Question] = {}
        for question in self.questions:
            found[question.key] = question
            for sub in question.fields:
                found[sub.key] = sub
        return found

    @cached_property
    def _actors_by_code(self) -> dict[str, ActorRecord]:
        return {actor.code: actor for actor in self.actors}

    def question(self, key: str) -> Question | None:
        """The question (or group field) with `key`, or None when the survey does not ask it."""
        return self._questions_by_key.get(key)

    def field(self, group_key: str, short: str) -> Question | None:
        """The field `short` (e.g. "lebensphasen") of the group question `group_key`."""
        group = self.question(group_key)
        if group is None:
            return None
        return next((sub for sub in group.fields if field_name(sub) == short), None)

    def coding(self, key: str) -> Coding | None:
        """The coding of question `key` when it has categories, else None."""
        coding = self.codings.get(key)
        return coding if coding is not None and coding.categories else None

    def actor(self, code: str | None) -> ActorRecord | None:
        return self._actors_by_code.get(code) if code else None

    # -- vocabularies (fall back to the options of the akteur questions) --------------------------

    def _vocabulary(self, given: tuple[Option, ...], key: str) -> tuple[Option, ...]:
        if given:
            return given
        question = self.question(key)
        return question.options if question else ()

    @property
    def district_options(self) -> tuple[Option, ...]:
        return self._vocabulary(self.districts, keys.DISTRICTS)

    @property
    def sector_options(self) -> tuple[Option, ...]:
        return self._vocabulary(self.sectors, keys.SECTOR)

    @property
    def provider_type_options(self) -> tuple[Option, ...]:
        return self._vocabulary(self.provider_types, keys.PROVIDER_TYPE)

    @staticmethod
    def _label(options: tuple[Option, ...], code: str) -> str:
        return next((o.label for o in options if o.code == code), code)

    def district_label(self, code: str) -> str:
        return self._label(self.district_options, code)

    def sector_label(self, code: str) -> str:
        return self._label(self.sector_options, code) if code else "ohne Angabe"

    def provider_type_label(self, code: str) -> str:
        return self._label(self.provider_type_options, code) if code else "ohne Angabe"

    # -- per response: the register first, the respondent's own answers second ----------------------

    def sector_of(self, response: ResponseRecord) -> str:
        actor = self.actor(response.actor)
        return (actor.sector if actor and actor.sector else response.values.get(keys.SECTOR)) or ""

    def provider_type_of(self, response: ResponseRecord) -> str:
        actor = self.actor(response.actor)
        return (actor.provider_type if actor and actor.provider_type else response.values.get(keys.PROVIDER_TYPE)) or ""

    def districts_of(self, response: ResponseRecord) -> tuple[str, ...]:
        actor = self.actor(response.actor)
        if actor and actor.districts:
            return actor.districts
        return tuple(response.values.get(keys.DISTRICTS) or ())

    # -- values -----------------------------------------------------------------------------------

    def answers(self, key: str) -> list[tuple[ResponseRecord, Any]]:
        """(response, value) for every response that answered `key` (empty answers left out)."""
        question = self.question(key)
        return [
            (response, response.values.get(key))
            for response in self.responses
            if not _empty(question, response.values.get(key))
        ]

    def values(self, key: str) -> list[Any]:
        """The non-empty typed values of `key`, in response order."""
        return [value for _response, value in self.answers(key)]

    def entries(self, key: str) -> list[tuple[ResponseRecord, Mapping[str, Any]]]:
        """(response, entry) for every entry of the group or roster question `key`."""
        return [(response, entry) for response, value in self.answers(key) for entry in value or ()]

    # -- subsets ----------------------------------------------------------------------------------

    def filter(
        self,
        districts: Iterable[str] | None = None,
        sectors: Iterable[str] | None = None,
        provider_types: Iterable[str] | None = None,
        submitted_only: bool = True,
    ) -> Dataset:
        """A new Dataset with the responses (and actors, invitations) matching every given filter.

        A response matches `districts` when its actor works in any of them; `None` means no filter.
        """
        district_set = set(districts) if districts is not None else None
        sector_set = set(sectors) if sectors is not None else None
        type_set = set(provider_types) if provider_types is not None else None

        def matches(district_codes: Iterable[str], sector: str, provider_type: str) -> bool:
            if district_set is not None and not district_set.intersection(district_codes):
                return False
            if sector_set is not None and sector not in sector_set:
                return False
            return type_set is None or provider_type in type_set

        responses = tuple(
            r
            for r in self.responses
            if (r.submitted or not submitted_only)
            and matches(self.districts_of(r), self.sector_of(r), self.provider_type_of(r))
        )
        actors = tuple(a for a in self.actors if matches(a.districts, a.sector, a.provider_type))
        invitations = tuple(
            i
            for i in self.invitations
            if matches(*self.invitation_attributes(i))
        )
        return replace(self, responses=responses, actors=actors, invitations=invitations)

    def invitation_attributes(self, invitation: InvitationRecord) -> tuple[tuple[str, ...], str, str]:
        """(districts, sector, provider type) of an invitation, from the register when not given."""
        actor = self.actor(invitation.actor)
        return (
            invitation.districts or (actor.districts if actor else ()),
            invitation.sector or (actor.sector if actor else ""),
            invitation.provider_type or (actor.provider_type if actor else ""),
        )

    def submitted(self) -> Dataset:
        """Only the submitted responses."""
        return self.filter(submitted_only=True)

"""A wave of a series (`Wave`: a label such as "2025" and its dataset) and the helpers every
comparison shares.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from .. import keys
from ..dataset import Dataset

OFFER_STATUS = keys.OFFER_STATUS


OFFER_ENDED = keys.OFFER_ENDED


DASH = "–"
Number = TypeVar("Number", int, float)  # a difference of counts is a count


@dataclass(frozen=True)
class Wave:
    """One wave of a series: a label such as "2025" and its dataset."""

    label: str
    dataset: Dataset


def submitted_of(wave: Wave) -> Dataset:
    return wave.dataset.submitted()


def check_count(waves: Sequence[Wave], minimum: int = 2) -> None:
    if len(waves) < minimum:
        raise ValueError(f"at least {minimum} waves are needed, got {len(waves)}")


def labels_of(waves: Sequence[Wave]) -> tuple[str, ...]:
    return tuple(w.label for w in waves)


def difference(a: Number | None, b: Number | None) -> Number | None:
    return b - a if a is not None and b is not None else None


def steps_of(values: Sequence[float | None]) -> tuple[float | None, ...]:
    return tuple(difference(a, b) for a, b in itertools.pairwise(values))

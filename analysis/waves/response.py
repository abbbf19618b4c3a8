"""The response of each wave: invited, submitted and the response rate
(`overview.overview(invitations).response_rate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import overview as overview_mod
from .wave import Wave


@dataclass(frozen=True)
class WaveResponse:
    label: str
    overview: overview_mod.Overview

    @property
    def response_rate(self) -> float | None:
        return self.overview.response_rate


def compare_response(waves: Sequence[Wave]) -> list[WaveResponse]:
    """The response overview (invited, submitted, rate) of each wave."""
    return [WaveResponse(w.label, overview_mod.overview(w.dataset.invitations)) for w in waves]

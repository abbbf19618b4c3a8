"""The results page's filters (`Filters`), as carried in the query string of every chart and download."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis import Dataset


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

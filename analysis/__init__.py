"""Analysis of survey responses, free of Flask: dataset, statistics, coverage, network, charts,
privacy and exports. A notebook or the CLI (`python -m analysis`) works on a CSV export and gets the
same results as the web app.

Modules: `dataset` (records and `Dataset`), `statistics`, `overview`, `coverage`, `network`,
`charts`, `privacy`, `export`, `report` (the PDF report, templates in `templates/report/`), `pdf`
(HTML to tagged PDF), `reader` (CSV back to a `Dataset`), `keys`,
`waves` and `wave_charts` (comparing survey waves).
"""

from .dataset import ActorRecord, Dataset, InvitationRecord, ResponseRecord

__all__ = ["ActorRecord", "Dataset", "InvitationRecord", "ResponseRecord"]

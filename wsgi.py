"""WSGI entry point: `gunicorn wsgi:app`, and `flask <command>` from the repository root."""

import sys

from questionnaires import CatalogueError
from survey import create_app

try:
    app = create_app()
except CatalogueError as error:  # a broken catalogue must stop the start, with every problem listed
    print("Der Fragenkatalog ist fehlerhaft:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)
    sys.exit(1)

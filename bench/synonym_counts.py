"""Result counts of everyday, abbreviated and English queries on the demo catalogue (issue 15,
item 6). Run from the repository: `PYTHONPATH=. .venv/bin/python bench/synonym_counts.py`
(loads the demo into a temporary instance; about a minute)."""

from __future__ import annotations

import tempfile

from registry.app import create_app
from registry.services.demo import load_demo
from registry.services.indexing import get_index
from registry.services.setup import initialize

QUERIES = (
    "nakes",
    "tenaga kesehatan",
    "bansos",
    "bantuan sosial",
    "health services",
    "layanan kesehatan",
    "isoman",
    "isolasi mandiri",
)


def main() -> None:
    folder = tempfile.mkdtemp()
    app = create_app(
        {"INSTANCE_DIR": f"{folder}/i", "INDEX_DIR": f"{folder}/x", "SECRET_KEY": "bench"}
    )
    with app.app_context():
        initialize(train_model=False)
        load_demo()
        index = get_index()
        for q in QUERIES:
            print(f"{q!r}: {index.search(q).total}")


if __name__ == "__main__":
    main()

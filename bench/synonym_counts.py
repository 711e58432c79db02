"""Result counts of everyday, abbreviated and English queries on the demo catalogue (issue 15,
item 6). Run from the repository: `PYTHONPATH=. .venv/bin/python bench/synonym_counts.py`
(loads the demo into a temporary instance; about a minute)."""

import sys, tempfile
from registry.app import create_app
from registry import cli
d = tempfile.mkdtemp()
app = create_app({"INSTANCE_DIR": d + "/i", "INDEX_DIR": d + "/x", "SECRET_KEY": "m"})
with app.app_context():
    cli.initialize(train_model=False)
    cli.load_demo()
    from registry.services.indexing import get_index
    ix = get_index()
    for q in ("nakes", "tenaga kesehatan", "bansos", "bantuan sosial", "health services", "layanan kesehatan", "isoman", "isolasi mandiri"):
        print(f"{q!r}: {ix.search(q).total}")

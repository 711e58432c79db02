"""Time FacetTable.load (what every web host runs on its next search after any committed
catalogue write) at 50,000 synthetic search_document rows. The table must exist (migration
0011) in a database this run may wipe:

    nice -n 10 .venv/bin/python bench/pg_facet_reload.py postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import statistics
import sys
import time

from sqlalchemy import create_engine, text

from registry.search.pg_facets import FacetTable

ROWS = 50_000
FILL = """
INSERT INTO search_document (id, terms, published, updated_at, sectors, focus,
  innovator_type, province, stage, year, regency, operating_status, replicated)
SELECT i, ''::tsvector, 1.6e9 + i, '2024-01-01', ARRAY['s' || (i % 17), 's' || (i % 5)],
  'f' || (i % 6), 't' || (i % 7), lpad((i % 38)::text, 2, '0'), 'st' || (i % 4),
  (2015 + i % 10)::text, (i % 514)::text, 'o' || (i % 3), (i % 2 = 0)::text
FROM generate_series(1, :rows) AS i
"""


def main(url: str, runs: int = 7) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_document"))
        conn.execute(text(FILL), {"rows": ROWS})
        conn.execute(text("ANALYZE search_document"))
    wall: list[float] = []
    cpu: list[float] = []
    with engine.connect() as conn:
        for generation in range(runs):
            started, used = time.perf_counter(), time.process_time()
            FacetTable.load(conn, generation)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
    print(
        f"FacetTable.load at {ROWS:,} rows, {runs} runs: wall median "
        f"{statistics.median(wall):.0f} ms (min {min(wall):.0f}, max {max(wall):.0f}); "
        f"CPU of this process median {statistics.median(cpu):.0f} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1])

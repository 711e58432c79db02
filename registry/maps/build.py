"""Build the shipped boundary file from cahyadsn/wilayah_boundaries (``registry map build``).

The source (../shared/data/boundaries) holds SQL inserts whose ``path`` is a JSON MultiPolygon
(sometimes a Polygon) with **latitude first**. We swap to longitude first, drop islets too small
to see at the scale each level is drawn at (a region always keeps its largest part), and let
``topojson`` build a topology per level and simplify its shared arcs, so neighbours still touch
after simplification. The result is one TopoJSON-shaped file with two topologies (provinces,
regencies/cities) and the source's MIT notice, committed as registry/data/boundaries.topo.json.

Only this build needs ``topojson`` and ``shapely`` (the ``maps`` extra); the site reads the
committed file with the standard library (``registry.maps.shapes``).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"
OUTPUT = PACKAGE_DATA / "boundaries.topo.json"
REGIONS_CSV = PACKAGE_DATA / "regions.csv"
SOURCE = "cahyadsn/wilayah_boundaries (https://github.com/cahyadsn/wilayah_boundaries)"

# Coordinates are quantized on a grid of QUANTIZE steps per axis (about 50 m), then the shared
# arcs are simplified (Douglas-Peucker, tolerance in degrees) and islets under the smallest area
# (square degrees) dropped. Provinces are drawn about 1,000 units wide for the whole country
# (1 unit ~ 0.05 degree); regencies per province, where Jakarta is a few tenths of a degree.
QUANTIZE = 100_000
LEVELS = {
    # name: (source folder, tolerance in degrees, smallest islet in square degrees)
    "provinces": ("prov", 0.01, 0.002),
    "regencies": ("kab", 0.001, 0.00005),
}

_ROW = re.compile(
    r"\(\s*'(?P<code>[0-9.]+)'\s*,\s*'(?P<name>(?:[^'\\]|\\.|'')*)'\s*,"
    r"\s*(?P<lat>-?[0-9.eE+-]+|NULL)\s*,\s*(?P<lng>-?[0-9.eE+-]+|NULL)\s*,"
    r"\s*'(?P<path>\[[^']*\])'\s*\)"
)


class BuildError(RuntimeError):
    pass


@dataclass
class Report:
    provinces: int = 0
    regencies: int = 0
    missing: list[str] = field(default_factory=list)  # in regions.csv, not in the boundaries
    unknown: list[str] = field(default_factory=list)  # in the boundaries, not in regions.csv
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, source, ours
    size: int = 0


def read_rows(folder: Path) -> dict[str, tuple[str, Any]]:
    """code -> (name, latitude-first geometry) from every .sql file in ``folder``."""
    rows: dict[str, tuple[str, Any]] = {}
    files = sorted(folder.glob("*.sql"))
    if not files:
        raise BuildError(f"no .sql files in {folder}")
    for path in files:
        for match in _ROW.finditer(path.read_text(encoding="utf-8")):
            name = match["name"].replace("''", "'").replace("\\'", "'")
            rows[match["code"]] = (name, json.loads(match["path"]))
    return rows


def _geometry(path: Any, min_area: float) -> Any:
    """A shapely MultiPolygon, longitude first, valid, islets under ``min_area`` dropped."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    polygons = path if isinstance(path[0][0][0], list) else [path]  # a Polygon now and then
    shapes = []
    for polygon in polygons:
        rings = [[(lng, lat) for lat, lng in ring] for ring in polygon]
        shapes.append(Polygon(rings[0], rings[1:]))
    geometry: Any = MultiPolygon(shapes)
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts: list[Any] = []

    def collect(item: Any) -> None:
        if item.geom_type == "Polygon" and not item.is_empty:
            parts.append(item)
        for sub in getattr(item, "geoms", ()):
            collect(sub)

    collect(geometry)
    if not parts:
        raise BuildError("a region has no area")
    largest = max(parts, key=lambda p: p.area)
    return MultiPolygon([p for p in parts if p is largest or p.area >= min_area])


def _topology(rows: dict[str, tuple[str, Any]], tolerance: float, min_area: float) -> Any:
    import topojson
    from shapely.geometry import mapping

    features = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "properties": {},
                "geometry": mapping(_geometry(path, min_area)),
            }
            for code, (_, path) in sorted(rows.items())
        ],
    }
    topo = topojson.Topology(
        features, prequantize=QUANTIZE, toposimplify=tolerance, object_name="regions"
    )
    out = topo.to_dict()
    geometries = []
    for geometry in out["objects"]["regions"]["geometries"]:
        arcs = geometry["arcs"]
        if geometry["type"] == "Polygon":
            arcs = [arcs]
        geometries.append({"type": "MultiPolygon", "id": geometry["id"], "arcs": arcs})
    return {
        "type": "Topology",
        "transform": out["transform"],
        "objects": {"regions": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": out["arcs"],
    }


def _notice(source_dir: Path) -> str:
    licence = source_dir / "LICENSE"
    text = licence.read_text(encoding="utf-8").strip() if licence.exists() else "MIT License"
    return f"Boundaries simplified from {SOURCE}, 2025 Kemendagri codes.\n\n{text}"


def check_codes(found: dict[str, str], report: Report) -> None:
    """Compare the boundary codes and names with registry/data/regions.csv."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        ours = {row["code"]: row["name"] for row in csv.DictReader(f)}
    report.missing = sorted(set(ours) - set(found))
    report.unknown = sorted(set(found) - set(ours))
    report.renamed = [
        (code, found[code], ours[code])
        for code in sorted(set(ours) & set(found))
        if " ".join(found[code].split()) != ours[code]
    ]


def build(source_dir: Path) -> tuple[dict[str, Any], Report]:
    report = Report()
    document: dict[str, Any] = {"license": _notice(source_dir)}
    names: dict[str, str] = {}
    for level, (folder, tolerance, min_area) in LEVELS.items():
        rows = read_rows(source_dir / folder)
        names.update({code: name for code, (name, _) in rows.items()})
        setattr(report, level, len(rows))
        document[level] = _topology(rows, tolerance, min_area)
    check_codes(names, report)
    return document, report


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def write(source_dir: Path, output: Path = OUTPUT) -> Report:
    document, report = build(source_dir)
    text = dumps(document)
    output.write_text(text, encoding="utf-8")
    report.size = len(text.encode("utf-8"))
    return report

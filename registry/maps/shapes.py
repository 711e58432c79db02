"""The shipped boundaries (registry/data/boundaries.topo.json), read with the standard library
and turned into SVG path data for one view: the 38 provinces, or one province's regencies/cities.

Projection: equirectangular with longitude scaled by the cosine of the view's middle latitude.
Indonesia straddles the equator (about 11 S to 6 N), so this keeps shapes true to within a few
per cent everywhere, draws the country at its real width-to-height ratio, and is the cheapest to
compute; a province's own view uses its own middle latitude.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

FILENAME = "boundaries.topo.json"
VIEW_WIDTH = 1000  # SVG user units across; heights follow the projection
PROVINCES = "provinces"
REGENCIES = "regencies"


@dataclass(frozen=True)
class View:
    """Path data of the regions in one view, in SVG user units (whole numbers)."""

    width: int
    height: int
    paths: dict[str, str]  # region code -> d attribute


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    text = (resources.files("registry") / "data" / FILENAME).read_text(encoding="utf-8")
    return json.loads(text)


def notice() -> str:
    return str(load()["license"])


@lru_cache(maxsize=2)
def _arcs(level: str) -> list[list[tuple[float, float]]]:
    """Every arc of a level decoded to (longitude, latitude) points."""
    topology = load()[level]
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


@lru_cache(maxsize=2)
def _geometries(level: str) -> dict[str, list[list[list[int]]]]:
    geometries = load()[level]["objects"]["regions"]["geometries"]
    return {g["id"]: g["arcs"] for g in geometries}


def codes(level: str) -> list[str]:
    return sorted(_geometries(level))


def _rings(level: str, code: str) -> list[list[tuple[float, float]]]:
    arcs = _arcs(level)
    rings = []
    for polygon in _geometries(level).get(code, []):
        for ring in polygon:
            points: list[tuple[float, float]] = []
            for index in ring:
                arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                points.extend(arc if not points else arc[1:])
            rings.append(points)
    return rings


def _path(rings: list[list[tuple[float, float]]], project: Any) -> str:
    """Absolute move, then relative whole-unit steps; repeated points dropped."""
    out = []
    for ring in rings:
        steps: list[str] = []
        px, py = project(*ring[0])
        start = f"M{px} {py}"
        for lng, lat in ring[1:]:
            x, y = project(lng, lat)
            if (x, y) != (px, py):
                steps.append(f"{x - px} {y - py}")
                px, py = x, y
        if len(steps) >= 2:
            out.append(start + "l" + " ".join(steps) + "z")
    if not out and rings:  # a region smaller than a unit still gets a dot
        x, y = project(*rings[0][0])
        out.append(f"M{x} {y}h1v1h-1z")
    return "".join(out)


@lru_cache(maxsize=64)
def view(level: str, parent: str | None = None, width: int = VIEW_WIDTH) -> View:
    """The provinces (``parent`` None) or the regencies/cities of province ``parent``, ``width``
    units across (a narrower view has fewer points: steps under a unit are dropped)."""
    wanted = [c for c in codes(level) if parent is None or c.split(".")[0] == parent]
    rings = {code: _rings(level, code) for code in wanted}
    points = [p for code in wanted for ring in rings[code] for p in ring]
    if not points:
        return View(width, 1, {})
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((north + south) / 2))
    span = max((east - west) * stretch, 1e-9)
    scale = (width - 2) / span

    def project(lng: float, lat: float) -> tuple[int, int]:
        return round((lng - west) * stretch * scale) + 1, round((north - lat) * scale) + 1

    height = round((north - south) * scale) + 2
    return View(width, height, {code: _path(rings[code], project) for code in wanted})

"""Draw a choropleth as one SVG document: no script, no external request.

Each region is an ``<a>`` to the search filtered by it, holding its ``<title>`` (name and
count) and a ``<path>`` with ``data-code``. Colours are quantized into at most five classes
(geometric steps) of ColorBrewer's YlGnBu (sequential, colour-blind safe, ordered by lightness
so that it also reads in grey), zero is white, a region without data is hatched; the legend
names every class by its numbers. The caller passes words already translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .shapes import View

# YlGnBu, light to dark, from ColorBrewer (Cynthia Brewer, Apache-2.0 licence)
PALETTE = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
ZERO = "#ffffff"
NO_DATA = "url(#map-no-data)"
STROKE = "#4d4d4d"
LEGEND_HEIGHT = 52


@dataclass(frozen=True)
class Region:
    code: str
    title: str  # name and count, in the reader's language
    count: int | None  # None: no data for this region
    href: str


@dataclass(frozen=True)
class Step:
    low: int
    high: int
    colour: str

    def label(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


def steps(largest: int) -> list[Step]:
    """Classes over 1..largest, whole numbers, at most len(PALETTE): one per value up to five,
    else on a geometric scale (counts per region are skewed: a few regions hold most)."""
    if largest <= 0:
        return []
    classes = len(PALETTE)
    if largest <= classes:
        return [Step(n, n, PALETTE[n - 1]) for n in range(1, largest + 1)]
    out = []
    low = 1
    for i in range(1, classes + 1):
        high = largest if i == classes else max(round(largest ** (i / classes)), low)
        out.append(Step(low, high, PALETTE[i - 1]))
        low = high + 1
    return out


def colour(count: int | None, classes: Sequence[Step]) -> str:
    if count is None:
        return NO_DATA
    if count <= 0:
        return ZERO
    for step in classes:
        if count <= step.high:
            return step.colour
    return classes[-1].colour


def legend(regions: Sequence[Region], zero_label: str, no_data_label: str) -> list[tuple[str, str]]:
    """(fill, words) of each class shown: zero, the count classes, and no data when any."""
    classes = steps(max((r.count or 0 for r in regions), default=0))
    items = [(ZERO, zero_label)] + [(s.colour, s.label()) for s in classes]
    if any(r.count is None for r in regions):
        items.append((NO_DATA, no_data_label))
    return items


def _attr(text: str) -> str:
    return escape(text, quote=True)


def render(
    view: View,
    regions: Sequence[Region],
    *,
    title: str,
    zero_label: str,
    no_data_label: str,
    standalone: bool = False,
    element_id: str = "map",
) -> str:
    """The SVG markup; ``standalone`` (a file of its own) adds a style and the legend, which a
    page shows in HTML instead, readable at any width."""
    largest = max((r.count or 0 for r in regions), default=0)
    classes = steps(largest)
    height = view.height + (LEGEND_HEIGHT if standalone else 0)
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view.width} {height}" '
        f'class="choropleth" id="{_attr(element_id)}" aria-labelledby="{_attr(element_id)}-title">',
        f'<title id="{_attr(element_id)}-title">{escape(title)}</title>',
        '<defs><pattern id="map-no-data" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<path d="M0 0v6" stroke="#888888" stroke-width="2"/></pattern></defs>',
    ]
    if standalone:
        head.append(
            "<style>a:focus path,a:hover path{stroke:#000;stroke-width:3}"
            "text{font:20px sans-serif;fill:#1a1a1a}</style>"
        )
    body = [f'<g class="regions" stroke="{STROKE}" stroke-width="0.6" stroke-linejoin="round">']
    for region in regions:
        d = view.paths.get(region.code)
        if not d:
            continue
        body.append(
            f'<a href="{_attr(region.href)}" data-code="{_attr(region.code)}" '
            f'aria-label="{_attr(region.title)}"><title>{escape(region.title)}</title>'
            f'<path d="{d}" fill="{colour(region.count, classes)}" '
            f'data-code="{_attr(region.code)}"/></a>'
        )
    body.append("</g>")
    items: list[str] = []
    if standalone:
        items.append(f'<g class="legend" transform="translate(8 {view.height + 12})">')
        x = 0
        for fill, text in legend(regions, zero_label, no_data_label):
            items.append(
                f'<rect x="{x}" y="0" width="28" height="28" fill="{fill}" stroke="{STROKE}"/>'
                f'<text x="{x + 36}" y="21">{escape(text)}</text>'
            )
            x += 52 + 12 * len(text)
        items.append("</g>")
    return "".join(head + body + items + ["</svg>"])


def locator(view: View, highlight: str, *, title: str) -> str:
    """A small picture (for an ``<img>``): every region grey, ``highlight`` dark."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view.width} {view.height}" '
        f'role="img" aria-label="{_attr(title)}"><title>{escape(title)}</title>'
        f'<g stroke="#ffffff" stroke-width="0.8" fill="#c8c8c8">'
    ]
    for code, d in view.paths.items():
        if code != highlight:
            parts.append(f'<path d="{d}"/>')
    if highlight in view.paths:
        parts.append(
            f'<path d="{view.paths[highlight]}" fill="{PALETTE[-1]}" stroke="#000000" '
            f'data-code="{_attr(highlight)}"/>'
        )
    parts.append("</g></svg>")
    return "".join(parts)

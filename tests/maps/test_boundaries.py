"""The shipped boundary file: every region, the notice, the drawn sizes, a rebuild that matches."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest

from registry.maps import shapes, svg
from tests.conftest import SHARED

SVG = "{http://www.w3.org/2000/svg}"
BOUNDARIES = SHARED / "data" / "boundaries"


def regions_csv() -> list[dict[str, str]]:
    path = Path(str(resources.files("registry") / "data" / "regions.csv"))
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_region_has_a_shape_and_the_notice_is_kept():
    rows = regions_csv()
    provinces = {r["code"] for r in rows if r["level"] == "1"}
    regencies = {r["code"] for r in rows if r["level"] == "2"}
    assert set(shapes.codes(shapes.PROVINCES)) == provinces
    assert set(shapes.codes(shapes.REGENCIES)) == regencies
    assert len(provinces) == 38 and len(regencies) == 514
    notice = shapes.notice()
    assert "cahyadsn/wilayah_boundaries" in notice and "MIT License" in notice
    assert "Permission is hereby granted" in notice


def test_every_region_is_drawn():
    national = shapes.view(shapes.PROVINCES)
    assert all(d.startswith("M") for d in national.paths.values())
    assert len(national.paths) == 38
    for province in shapes.codes(shapes.PROVINCES):
        view = shapes.view(shapes.REGENCIES, province)
        assert view.paths, province
        assert all(code.startswith(province + ".") for code in view.paths)
        assert all(d for d in view.paths.values())


def heaviest_svg(level: str, parent: str | None) -> str:
    """The largest picture a page can send: every region counted, long titles, no-data too."""
    view = shapes.view(level, parent)
    regions = [
        svg.Region(
            code,
            f"Kabupaten Kepulauan Siau Tagulandang Biaro {code}: 12.345 inovasi",
            None if i % 7 == 0 else i * 37,
            f"/search?sector=bantuan-sosial&focus=cepat-tanggap&province={code[:2]}&regency={code}",
        )
        for i, code in enumerate(view.paths)
    ]
    return svg.render(
        view, regions, title="Peta", zero_label="0", no_data_label="tidak ada data", standalone=True
    )


def test_the_pictures_stay_light():
    assert len(heaviest_svg(shapes.PROVINCES, None).encode()) < 150_000
    for province in shapes.codes(shapes.PROVINCES):
        size = len(heaviest_svg(shapes.REGENCIES, province).encode())
        assert size < 400_000, (province, size)


def test_svg_structure_links_codes_titles_and_colours():
    view = shapes.view(shapes.PROVINCES)
    regions = [
        svg.Region(code, f"Wilayah {code}: {n}", n, f"/search?province={code}")
        for code, n in zip(view.paths, [0, None, 1, 5, 40] + [2] * 33, strict=True)
    ]
    root = ET.fromstring(
        svg.render(view, regions, title="Peta", zero_label="0", no_data_label="x", standalone=True)
    )
    links = root.findall(f"{SVG}g/{SVG}a")
    assert len(links) == 38
    first = links[0]
    code = first.get("data-code")
    assert first.get("href") == f"/search?province={code}"
    assert first.findtext(f"{SVG}title") == f"Wilayah {code}: 0"
    path = first.find(f"{SVG}path")
    assert path is not None
    assert path.get("data-code") == code
    assert path.get("fill") == svg.ZERO  # zero is drawn, white
    assert links[1].findall(f"{SVG}path")[0].get("fill") == svg.NO_DATA  # no data is hatched
    fills = [a.findall(f"{SVG}path")[0].get("fill") for a in links[2:5]]
    assert fills[0] != fills[1] != fills[2] and fills[2] == svg.PALETTE[-1]
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert legend[0] == "0" and legend[-1] == "x"


def test_steps_are_whole_numbers_covering_every_count():
    assert svg.steps(0) == []
    assert [s.label() for s in svg.steps(3)] == ["1", "2", "3"]
    classes = svg.steps(41)
    assert len(classes) == 5 and classes[0].label() == "1–2" and classes[-1].high == 41
    assert all(b.low == a.high + 1 for a, b in zip(classes, classes[1:], strict=False))
    assert svg.colour(41, classes) == svg.PALETTE[-1]
    assert svg.colour(1, classes) == svg.PALETTE[0]


@pytest.mark.skipif(not BOUNDARIES.is_dir(), reason="../shared/data/boundaries is not present")
def test_a_rebuild_from_shared_matches_the_shipped_file(tmp_path):
    pytest.importorskip("topojson", reason="the map build needs the `maps` extra (topojson)")
    from registry.maps import build

    out = tmp_path / "boundaries.topo.json"
    report = build.write(BOUNDARIES, out)
    assert report.missing == [] and report.unknown == []
    assert (report.provinces, report.regencies) == (38, 514)
    shipped = Path(str(resources.files("registry") / "data" / shapes.FILENAME))
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")

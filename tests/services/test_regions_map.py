"""Counts per region: every region present, the search's filters, equal to the search facets,
cached until the catalogue changes, and the layer seam."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from registry import taxonomy
from registry.extensions import db
from registry.services import catalogue, discovery, regions_map
from registry.services.errors import Invalid
from registry.web import params as query_params
from tests.map_helpers import make_catalogue


@pytest.fixture
def published(ctx, innovation_data):
    regions_map.clear_cache()
    return make_catalogue(innovation_data)


def counts(**args):
    return regions_map.counts(query_params.map_query(MultiDict(args)))


def test_every_province_is_counted_and_zero_when_none(published):
    result = counts()
    assert set(result) == {r.code for r in taxonomy.provinces()}
    assert len(result) == 38
    assert result["32"] == 3 and result["35"] == 1 and result["33"] == 1
    assert result["31"] == 0  # only a submission there: not published
    assert result["11"] == 0


def test_regency_level_counts_the_province_regencies(published):
    result = counts(level="regency", province="32")
    assert set(result) == {r.code for r in taxonomy.regencies("32")}
    assert result["32.73"] == 2 and result["32.01"] == 1
    assert sum(result.values()) == 2 + 1


def test_filters_are_the_search_filters(published):
    assert counts(sector="bantuan-sosial")["32"] == 2
    assert counts(sector="bantuan-sosial,ekonomi")["35"] == 1  # OR within one filter
    assert counts(sector="kesehatan", year="2020")["32"] == 1  # AND across filters
    assert counts(focus="cepat-tanggap", innovator_type="pemkot")["32"] == 2
    assert counts(level="regency", province="32", year="2021") == {
        **dict.fromkeys((r.code for r in taxonomy.regencies("32")), 0),
        "32.01": 1,
        "32.73": 1,
    }


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"sector": "kesehatan"},
        {"sector": ["bantuan-sosial", "ekonomi"]},
        {"focus": "cepat-tanggap", "year": "2021"},
        {"innovator_type": "pemkot", "stage": "implementasi"},
        {"year": ["2020", "2021"], "province": ["32", "35"]},
    ],
)
def test_counts_equal_the_search_facets(published, args):
    multi = MultiDict(
        [(k, v) for k, vs in args.items() for v in ([vs] if isinstance(vs, str) else vs)]
    )
    facets = discovery.search_page(query_params.search(multi), url_for_slug=lambda s: s)["facets"]
    mine = regions_map.counts(query_params.map_query(multi))
    assert {k: v for k, v in mine.items() if v} == facets["province"]
    for province in ("32", "33", "35"):
        regency_args = MultiDict(multi)
        regency_args.setlist("province", [province])
        regency_args["level"] = "regency"
        by_regency = regions_map.counts(query_params.map_query(regency_args))
        search = MultiDict(multi)
        search.setlist("province", [province])
        regency_facets = discovery.search_page(
            query_params.search(search), url_for_slug=lambda s: s
        )["facets"]["regency"]
        assert {k: v for k, v in by_regency.items() if v} == regency_facets


def test_cache_is_dropped_when_the_catalogue_changes(published, innovation_data):
    assert counts()["51"] == 0
    assert counts()["51"] == 0  # served from the cache
    row = catalogue.create(
        innovation_data(province="51", regency=None), actor="t", status="published"
    )
    db.session.commit()
    assert counts()["51"] == 1
    catalogue.transition(row, "withdrawn", actor="t")
    db.session.commit()
    assert counts()["51"] == 0


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"layer": "nothing"}, "layer"),
        ({"level": "village"}, "level"),
        ({"level": "regency"}, "province"),
        ({"level": "regency", "province": "99"}, "province"),
        ({"sector": "astrology"}, "sector"),
        ({"year": "1066"}, "year"),
        ({"q": "bansos"}, "q"),
    ],
)
def test_bad_parameters_name_the_parameter(ctx, args, param):
    with pytest.raises(Invalid) as caught:
        query_params.map_query(MultiDict(args))
    assert caught.value.param == param


def test_unknown_province_in_the_path_is_not_found(ctx):
    with pytest.raises(regions_map.UnknownProvince):
        query_params.map_query(MultiDict(), level="regency", province="99")


def test_a_layer_is_one_registered_function(ctx):
    calls = []

    def count_reports(level, province, filters):
        calls.append((level, province, dict(filters)))
        return {"32": 7}

    regions_map.register_layer("test-reports", count_reports, lambda: "v1")
    try:
        result = counts(layer="test-reports", sector="kesehatan")
        assert result["32"] == 7 and result["11"] == 0 and len(result) == 38
        assert calls == [("province", None, {"sector": ["kesehatan"]})]
    finally:
        regions_map.LAYERS.pop("test-reports")


def test_an_index_update_by_another_process_is_seen(published):
    """The cache keys on the index's version: another process's update (a second SearchIndex
    on the same directory stands for it) shows on the next request."""
    from flask import current_app

    from registry.models import Innovation
    from registry.search import SearchIndex

    assert counts()["36"] == 0
    row = db.session.scalars(select(Innovation).where(Innovation.province_code == "35")).one()
    record = catalogue.search_record(row) | {"province": "36"}
    other = SearchIndex(current_app.config["INDEX_DIR"])
    try:
        other.upsert([record])
    finally:
        other.close()
    assert counts()["36"] == 1 and counts()["35"] == 0

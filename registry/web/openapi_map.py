"""The map's part of the OpenAPI document: GET /api/v1/regions/counts."""

from __future__ import annotations

from typing import Any

from .. import taxonomy
from ..services import regions_map
from .openapi import _json, _multi, _problem


def region_paths() -> dict[str, Any]:
    return {
        "/api/v1/regions/counts": {
            "get": {
                "summary": "Counts per province or per regency/city, for the map",
                "description": (
                    "Every region of the level is present (0 when none). The filters are the "
                    "search's (GET /api/v1/innovations) and the counts equal its facets for the "
                    "same filters; free text (q) is not supported. `level=regency` needs one "
                    "`province`."
                ),
                "parameters": [
                    {
                        "name": "level",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(regions_map.LEVELS)},
                    },
                    {
                        "name": "layer",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(regions_map.LAYERS)},
                    },
                    _multi(
                        "province",
                        None,
                        "province code (e.g. 32): the parent at the regency level, else a filter",
                    ),
                    _multi("sector", list(taxonomy.SECTORS)),
                    _multi("focus", list(taxonomy.FOCUSES)),
                    _multi("innovator_type", list(taxonomy.INNOVATOR_TYPES)),
                    _multi("stage", list(taxonomy.STAGES)),
                    _multi("year", None, "year of started_on"),
                    _multi("regency", None, "regency/city code (e.g. 32.73)"),
                ],
                "responses": {
                    "200": {
                        "description": "a count for every region of the level",
                        **_json(
                            {
                                "type": "object",
                                "required": ["level", "layer", "counts"],
                                "properties": {
                                    "level": {"type": "string"},
                                    "layer": {"type": "string"},
                                    "province": {"type": "string"},
                                    "counts": {
                                        "type": "object",
                                        "additionalProperties": {"type": "integer"},
                                    },
                                },
                            }
                        ),
                    },
                    "400": _problem("a bad parameter, named in `param`"),
                },
            }
        }
    }

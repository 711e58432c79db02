"""The OpenAPI 3.1 description of the JSON API."""

from __future__ import annotations

from typing import Any

from .. import __version__, taxonomy
from ..search import FACETS
from ..services import review, validation


def _multi(name: str, enum: list[str] | None = None, desc: str = "") -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string"}
    if enum:
        items["enum"] = enum
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": desc or f"filter by {name}; repeat or comma-separate for OR",
        "schema": {"type": "array", "items": items},
        "style": "form",
        "explode": True,
    }


PROBLEM = {"$ref": "#/components/schemas/Problem"}
REGION = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
        },
        {"type": "null"},
    ]
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _problem(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/problem+json": {"schema": PROBLEM}}}


def _field_schema(name: str) -> dict[str, Any]:
    """The schema of one of the innovation's fields, as services.validation takes it."""
    vocab = validation.VOCABULARIES.get(name)
    if name in validation.LIST_FIELDS:  # a list of slugs, or of web addresses (links)
        items = {"type": "string", "enum": list(vocab)} if vocab else {"format": "uri"}
        return {"type": "array", "items": {"type": "string", **items}}
    nullable = name in validation.NULLABLE_FIELDS
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    if vocab:
        schema["enum"] = [*vocab, None]
    if name in validation.DATE_FIELDS:
        schema["format"] = "date"
    if name == "title":
        schema["maxLength"] = validation.MAX_TITLE
    return schema


def _search_filters() -> list[dict[str, Any]]:
    """The search's query and filters: the search, and the exports that follow them."""
    return [
        {"name": "q", "in": "query", "schema": {"type": "string"}},
        _multi("sector", list(taxonomy.SECTORS)),
        _multi("focus", list(taxonomy.FOCUSES)),
        _multi("innovator_type", list(taxonomy.INNOVATOR_TYPES)),
        _multi("province", None, "province code (e.g. 32); OR when repeated"),
        _multi("stage", list(taxonomy.STAGES)),
        _multi("year", None, "year of started_on"),
        _multi("regency", None, "regency/city code (e.g. 32.73); OR when repeated"),
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": ["relevance", "newest"]},
        },
    ]


FILTERED = "; with the search's parameters, only what that search finds, in its order"


def _submission_paths() -> dict[str, Any]:
    """POST/GET /api/v1/submissions and the curators' decision (issue 3); Bearer tokens."""
    bearer: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    fields = {name: _field_schema(name) for name in validation.FIELDS}
    fields["status"] = {"type": "string", "enum": ["submitted", "draft"], "default": "submitted"}
    submission_in = {
        "type": "object",
        "required": ["title"],
        "properties": fields,
        "description": "DESIGN.md's innovation fields; everything the form needs for review "
        "is required unless status is draft",
    }
    created = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "status": {"type": "string"}},
        "required": ["id", "status"],
    }
    decision_in = {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": list(review.DECISIONS)},
            "note": {
                "type": "string",
                "maxLength": review.MAX_NOTE,
                "description": "required for request_revision and reject",
            },
        },
    }
    unauthorized = _problem("no token, or a wrong, revoked or expired one")
    return {
        "/api/v1/submissions": {
            "post": {
                "summary": "Register an innovation (institution token)",
                "security": bearer,
                "requestBody": {"required": True, **_json(submission_in)},
                "responses": {
                    "201": {"description": "created", **_json(created)},
                    "400": _problem("the body is not a JSON object"),
                    "401": unauthorized,
                    "403": _problem("this account cannot submit"),
                    "409": _problem("a duplicate of your own submission, or a closed campaign"),
                    "422": _problem("invalid fields, listed in `errors`"),
                },
            }
        },
        "/api/v1/submissions/{id}": {
            "get": {
                "summary": "One of your submissions, with its status, SLA and history",
                "security": bearer,
                "parameters": [id_param],
                "responses": {
                    "200": {"description": "the submission", **_json({"type": "object"})},
                    "401": unauthorized,
                    "404": _problem("no such submission of yours"),
                },
            }
        },
        "/api/v1/submissions/{id}/decision": {
            "post": {
                "summary": "A curator's decision on a submission (curator token)",
                "security": bearer,
                "parameters": [id_param],
                "requestBody": {"required": True, **_json(decision_in)},
                "responses": {
                    "200": {"description": "the new status", **_json({"type": "object"})},
                    "400": _problem("the body is not a JSON object"),
                    "401": unauthorized,
                    "403": _problem("the token is not a curator's"),
                    "404": _problem("no such submission"),
                    "409": _problem("already decided, or not at a stage that allows it"),
                    "422": _problem("an unknown decision, or a missing note"),
                },
            }
        },
        "/api/v1/innovations.json": {
            "get": {
                "summary": "The published catalogue as JSON (CC BY 4.0)" + FILTERED,
                "parameters": _search_filters(),
                "responses": {
                    "200": {"description": "JSON in the export format"},
                    "400": _problem("a bad parameter, named in `param`"),
                },
            }
        },
    }


def _candidate_paths() -> dict[str, Any]:
    """The curator inbox (issue 4): harvested candidates and decisions on them."""
    from ..services import curation

    bearer: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    nullable_text = {"type": ["string", "null"]}
    candidate = {
        "type": "object",
        "required": [
            "id",
            "status",
            "score",
            "text",
            "platforms",
            "post_count",
            "first_seen",
            "last_seen",
            "predicted",
            "matches_innovation",
        ],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": list(curation.STATUSES)},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "text": {"type": "string"},
            "platforms": {"type": "array", "items": {"type": "string"}},
            "post_count": {"type": "integer"},
            "first_seen": nullable_text,
            "last_seen": nullable_text,
            "predicted": {
                "type": "object",
                "properties": {
                    "sectors": {"type": "array", "items": {"type": "string"}},
                    "focus": nullable_text,
                    "innovator_type": nullable_text,
                    "province": REGION,
                },
            },
            "matches_innovation": {
                "description": "an existing catalogue innovation this candidate resembles "
                "(url only when it is published)",
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "title": {"type": "string"},
                            "status": {"type": "string"},
                            "url": {"type": "string"},
                        },
                    },
                    {"type": "null"},
                ],
            },
            "explain": {
                "description": "the terms that moved the score, with their signed weight "
                "(positive: towards an innovation)",
                "type": "array",
                # a [term, weight] pair; not prefixItems, which schemathesis turns into a
                # draft-4 tuple that its own 2020-12 response check then calls invalid
                "items": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"type": ["string", "number"]},
                },
            },
            "reason": nullable_text,
            "innovation_id": {"type": ["integer", "null"]},
            "merged_into": {"type": ["integer", "null"]},
        },
    }
    into = {
        "oneOf": [
            {
                "type": "object",
                "required": ["candidate"],
                "properties": {"candidate": {"type": "integer"}},
                "additionalProperties": False,
            },
            {
                "type": "object",
                "required": ["innovation"],
                "properties": {"innovation": {"type": "integer"}},
                "additionalProperties": False,
            },
        ]
    }
    decision_item = {
        "type": "object",
        "required": ["id", "decision"],
        "properties": {
            "id": {"type": "integer"},
            "decision": {"type": "string", "enum": list(curation.DECISIONS)},
            "reason": {
                "type": "string",
                "enum": list(curation.REJECT_REASONS),
                "description": "required to reject",
            },
            "into": into,
            "note": {"type": "string", "maxLength": curation.MAX_NOTE},
        },
    }
    result_item = {
        "type": "object",
        "required": ["id", "status", "detail"],
        "properties": {
            "id": {"type": ["integer", "null"]},
            "status": {"type": "integer", "enum": [200, 400, 404, 409]},
            "detail": {"type": "string"},
            "innovation_id": {
                "type": "integer",
                "description": "the new draft (approve) or the innovation merged into",
            },
        },
    }

    def query(name: str, schema: dict[str, Any], desc: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": desc}

    unauthorized = _problem("no token, or a wrong, revoked or expired one")
    forbidden = _problem("the token is not a curator's")
    return {
        "/api/v1/candidates": {
            "get": {
                "summary": "The curator inbox: harvested candidates, highest score first "
                "(curator token)",
                "security": bearer,
                "parameters": [
                    query(
                        "status",
                        {"type": "string", "enum": [*curation.STATUSES, "all"]},
                        "default new",
                    ),
                    query("q", {"type": "string"}, "words in the candidate's text"),
                    query(
                        "min_score",
                        {"type": "number", "minimum": 0, "maximum": 1},
                        "lowest score",
                    ),
                    _multi("platform", list(curation.PLATFORMS)),
                    query("date_from", {"type": "string", "format": "date"}, "seen on or after"),
                    query("date_to", {"type": "string", "format": "date"}, "seen on or before"),
                    query("province", {"type": "string"}, "predicted province (code or name)"),
                    query(
                        "source",
                        {"type": "string"},
                        "name of a harvest source: candidates with a post it harvested",
                    ),
                    query(
                        "sort",
                        {"type": "string", "enum": list(curation.SORTS)},
                        "score (default), newest, or uncertainty (most useful to label next)",
                    ),
                    query(
                        "page",
                        {"type": "integer", "minimum": 1},
                        "page number (when the total is estimated, pages reach "
                        f"{curation.MAX_PAGE_OFFSET:,} candidates deep: follow next_after "
                        "beyond)",
                    ),
                    query(
                        "per_page",
                        {"type": "integer", "minimum": 1, "maximum": 100},
                        "results per page",
                    ),
                    query(
                        "after",
                        {"type": "string"},
                        "the next_after of the page before: the page that follows it, read "
                        "without counting the pages before (the filters and sort must be the "
                        "same)",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "a page of candidates",
                        **_json(
                            {
                                "type": "object",
                                "required": ["total", "page", "per_page", "results"],
                                "properties": {
                                    "total": {"type": "integer"},
                                    "total_estimated": {
                                        "type": "boolean",
                                        "description": "true when more than count_bound "
                                        "candidates match: total is then an estimate",
                                    },
                                    "count_bound": {
                                        "type": "integer",
                                        "description": "up to this many, total is exact",
                                    },
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "next_after": {
                                        "type": ["string", "null"],
                                        "description": "the cursor of the next page (the "
                                        "after parameter); null on the last page",
                                    },
                                    "results": {"type": "array", "items": candidate},
                                },
                            }
                        ),
                    },
                    "400": _problem("a bad parameter, named in `param`"),
                    "401": unauthorized,
                    "403": forbidden,
                },
            }
        },
        "/api/v1/candidates/decisions": {
            "post": {
                "summary": "Approve, reject or merge candidates in bulk (curator token)",
                "description": "Each item is applied on its own: the answer holds one result "
                "per item, in order; an already decided candidate gets 409 in its result "
                "while the others still apply. Approving creates a draft innovation owned by "
                "the curator, prefilled from the posts.",
                "security": bearer,
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": curation.MAX_ITEMS,
                            "items": decision_item,
                        }
                    ),
                },
                "responses": {
                    "200": {
                        "description": "one result per item",
                        **_json({"type": "array", "items": result_item}),
                    },
                    "400": _problem("the body is not a non-empty JSON list"),
                    "401": unauthorized,
                    "403": forbidden,
                },
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    document = _base_document()
    document["paths"].update(_submission_paths())
    document["paths"].update(_candidate_paths())
    from .openapi_map import region_paths

    document["paths"].update(region_paths())
    from . import openapi_lifecycle

    document["paths"].update(openapi_lifecycle.paths())
    document["paths"].update(openapi_lifecycle.subscription_paths())
    search = document["paths"]["/api/v1/innovations"]["get"]
    search["parameters"][-3:-3] = openapi_lifecycle.search_parameters()
    detail = document["paths"]["/api/v1/innovations/{id}"]["get"]
    detail["description"] = (
        "Also `replications` (claimed and confirmed), `operating_status` "
        "(berjalan | berhenti | tidak-diketahui) and `verified_at`."
    )
    from .openapi_reports import report_paths

    document["paths"].update(report_paths())
    document["components"]["securitySchemes"] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "an API token from `registry users token EMAIL`",
        }
    }
    document["paths"]["/api/v1/stats"]["get"]["description"] = (
        "Counts over the published catalogue; `review` holds the SLA compliance figures "
        "(acknowledged and decided on time, median hours, open and overdue submissions); "
        "`reports` the citizen reports' figures (totals by category and kind, the share followed "
        "up, on-time shares and median hours for disposition and response, and by month)."
    )
    return document


def _base_document() -> dict[str, Any]:
    result_item = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "sectors": {"type": "array", "items": {"type": "string"}},
            "focus": {"type": ["string", "null"]},
            "stage": {"type": ["string", "null"]},
            "innovator_name": {"type": "string"},
            "innovator_type": {"type": ["string", "null"]},
            "province": REGION,
            "regency": REGION,
            "started_on": {"type": ["string", "null"], "format": "date"},
            "published_at": {"type": ["string", "null"]},
            "url": {"type": "string"},
            "highlight": {"type": "string"},
        },
    }
    facet = {"type": "object", "additionalProperties": {"type": "integer"}}
    search_filters = _search_filters()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lumbung Inovasi API",
            "version": __version__,
            "license": {"name": "CC BY 4.0 (catalogue data)", "identifier": "CC-BY-4.0"},
        },
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Liveness and database readiness",
                    "responses": {
                        "200": {"description": "ready"},
                        "503": {"description": "database not initialized"},
                    },
                }
            },
            "/api/v1/innovations": {
                "get": {
                    "summary": "Search the published catalogue",
                    "parameters": [
                        *search_filters,
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "a page of results with facets",
                            **_json(
                                {
                                    "type": "object",
                                    "properties": {
                                        "total": {"type": "integer"},
                                        "page": {"type": "integer"},
                                        "per_page": {"type": "integer"},
                                        "results": {"type": "array", "items": result_item},
                                        "facets": {
                                            "type": "object",
                                            "properties": {k: facet for k in FACETS},
                                        },
                                        "suggestion": {"type": ["string", "null"]},
                                    },
                                }
                            ),
                        },
                        "400": _problem("a bad parameter, named in `param`"),
                    },
                }
            },
            "/api/v1/innovations/{id}": {
                "get": {
                    "summary": "One published innovation",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "the innovation", **_json({"type": "object"})},
                        "404": _problem("no published innovation with this id"),
                    },
                }
            },
            "/api/v1/stats": {
                "get": {
                    "summary": "Counts over the published catalogue",
                    "responses": {"200": {"description": "counts", **_json({"type": "object"})}},
                }
            },
            "/api/v1/innovations.csv": {
                "get": {
                    "summary": "The published catalogue as CSV (CC BY 4.0)" + FILTERED,
                    "parameters": search_filters,
                    "responses": {
                        "200": {"description": "CSV in the export format"},
                        "400": _problem("a bad parameter, named in `param`"),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "param": {"type": "string"},
                    },
                }
            }
        },
    }

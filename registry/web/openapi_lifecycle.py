"""OpenAPI paths of replication, lifecycle and saved searches (merged by openapi.py)."""

from __future__ import annotations

from typing import Any

from .. import taxonomy
from ..services import replication
from .openapi import _json, _problem


def search_parameters() -> list[dict[str, Any]]:
    """The search's lifecycle filters (added to GET /api/v1/innovations)."""

    def multi(name: str, enum: list[str], desc: str) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": desc,
            "schema": {"type": "array", "items": {"type": "string", "enum": enum}},
            "style": "form",
            "explode": True,
        }

    return [
        multi(
            "operating_status",
            list(taxonomy.OPERATING_STATUSES),
            "whether the innovation still runs; OR when repeated",
        ),
        multi(
            "replicated",
            list(taxonomy.REPLICATED),
            "true: at least one confirmed replication; false: none",
        ),
    ]


def replication_schema() -> dict[str, Any]:
    region = {"type": ["object", "null"]}
    return {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "original": {"type": "integer"},
            "adopter": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "innovator_type": {"type": ["string", "null"]},
                    "province": region,
                    "regency": region,
                },
            },
            "replica": {"type": ["integer", "null"]},
            "facilitator": {"type": "string"},
            "stage": {"type": "string", "enum": list(taxonomy.REPLICATION_STAGES)},
            "started_on": {"type": ["string", "null"], "format": "date"},
            "links": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "enum": list(taxonomy.REPLICATION_STATUSES)},
            "created_at": {"type": ["string", "null"]},
            "confirmed_at": {"type": ["string", "null"]},
        },
    }


def paths() -> dict[str, Any]:
    bearer: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    id_param = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    }
    claim_in = {
        "type": "object",
        "properties": {
            "stage": {"type": "string", "enum": list(taxonomy.REPLICATION_STAGES)},
            "started_on": {"type": ["string", "null"], "format": "date"},
            "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "facilitator": {"type": "string", "maxLength": replication.MAX_FACILITATOR},
        },
    }
    decision_in = {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": list(replication.DECISIONS)},
            "note": {"type": "string", "maxLength": replication.MAX_NOTE},
        },
    }
    unauthorized = _problem("no token, or an unknown, revoked or expired one")
    return {
        "/api/v1/innovations/{id}/replications": {
            "post": {
                "summary": "Claim that your institution replicated this innovation",
                "security": bearer,
                "parameters": [id_param],
                "requestBody": {"required": True, **_json(claim_in)},
                "responses": {
                    "201": {"description": "the claim", **_json(replication_schema())},
                    "400": _problem("an unknown stage or a bad field, named in `param`"),
                    "401": unauthorized,
                    "403": _problem("the token is not an institution's"),
                    "404": _problem("no published innovation with this id"),
                    "409": _problem("your institution already claimed this one"),
                },
            }
        },
        "/api/v1/replications/{id}/confirm": {
            "post": {
                "summary": "The original's owner or a curator confirms or rejects a claim",
                "security": bearer,
                "parameters": [id_param],
                "requestBody": {"required": True, **_json(decision_in)},
                "responses": {
                    "200": {"description": "the replication", **_json(replication_schema())},
                    "400": _problem("an unknown decision, named in `param`"),
                    "401": unauthorized,
                    "404": _problem("no such replication that you may decide on"),
                    "409": _problem("already confirmed or rejected"),
                },
            }
        },
    }


def subscription_paths() -> dict[str, Any]:
    subscription_in = {
        "type": "object",
        "required": ["email"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "search": {
                "type": "object",
                "description": "the search's parameters, as GET /api/v1/innovations takes them",
            },
            "frequency": {"type": "string", "enum": ["daily", "weekly"]},
        },
    }
    return {
        "/api/v1/subscriptions": {
            "post": {
                "summary": "Follow a search by email (double opt-in; no account)",
                "requestBody": {"required": True, **_json(subscription_in)},
                "responses": {
                    "202": {"description": "a confirmation mail is on its way"},
                    "400": _problem("a bad email, frequency or filter, named in `param`"),
                    "429": _problem("too many requests for this address or client"),
                },
            }
        },
    }

"""The OpenAPI description of /api/v1/reports (DESIGN.md: HTTP)."""

from __future__ import annotations

from typing import Any

from .. import taxonomy
from ..services import reports
from .openapi import REGION, _json, _problem


def report_paths() -> dict[str, Any]:
    secret_header = {
        "name": "X-Report-Secret",
        "in": "header",
        "required": False,
        "description": "the secret the reporter received with the tracking code",
        "schema": {"type": "string"},
    }
    code = {"name": "tracking_code", "in": "path", "required": True, "schema": {"type": "string"}}
    optional_bearer: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]
    text = {"type": "string"}
    new_report = {
        "type": "object",
        "required": ["kind", "category", "title", "body", "province"],
        "properties": {
            "kind": {"type": "string", "enum": list(reports.KINDS)},
            "category": {"type": "string", "enum": list(reports.CATEGORIES)},
            "title": {"type": "string", "maxLength": reports.MAX_TITLE},
            "body": {"type": "string", "maxLength": reports.MAX_BODY},
            "province": {
                "type": "string",
                "description": 'a province code ("32") or name',
                "examples": [p.code for p in taxonomy.provinces()[:3]],
            },
            "regency": {"type": ["string", "null"], "description": 'a code ("32.73") or name'},
            "innovation": {"type": ["integer", "null"], "description": "a published innovation"},
            "occurred_on": {"type": ["string", "null"], "format": "date"},
            "anonymous": {
                "type": "boolean",
                "description": "hide the identity from the institution",
            },
            "confidential": {"type": "boolean", "description": "keep out of every public list"},
            "reporter": {
                "type": "object",
                "properties": {"name": text, "email": text, "phone": text},
            },
        },
    }
    event = {
        "type": "object",
        "properties": {
            "at": text,
            "action": {"type": "string", "enum": list(reports.ACTIONS)},
            "from_status": {"type": ["string", "null"]},
            "to_status": text,
            "by": {"type": "string", "enum": list(reports.ROLES)},
            "note": text,
        },
    }
    report = {
        "type": "object",
        "description": "`reporter` appears only for the reporter, a curator, and the institution "
        "of a report that is not anonymous; never in public lists",
        "properties": {
            "tracking_code": text,
            "kind": text,
            "category": text,
            "title": text,
            "body": text,
            "province": REGION,
            "regency": REGION,
            "innovation": {"type": ["integer", "null"]},
            "occurred_on": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": list(reports.STATUSES)},
            "received_at": text,
            "dispose_due": text,
            "respond_due": text,
            "overdue": {"type": "boolean"},
            "rating": {"type": ["integer", "null"]},
            "events": {"type": "array", "items": event},
        },
    }
    not_found = _problem("no such report for this caller (a wrong secret looks the same)")
    return {
        "/api/v1/reports": {
            "post": {
                "summary": "Report a public-service problem (no account; rate-limited per address)",
                "requestBody": {"required": True, **_json(new_report)},
                "responses": {
                    "201": {
                        "description": "received; the secret is shown only here",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "tracking_code": text,
                                    "secret": text,
                                    "status": text,
                                    "url": text,
                                },
                            }
                        ),
                    },
                    "400": _problem("a bad field, named in `param`"),
                    "413": _problem("an attachment over the upload limit"),
                    "429": _problem("too many reports from this address; see Retry-After"),
                },
            },
            "get": {
                "summary": "Public reports: verified and later, not confidential, no identity "
                "(a curator's token sees all)",
                "security": optional_bearer,
                "parameters": [
                    {
                        "name": name,
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", **({"enum": enum} if enum else {})},
                    }
                    for name, enum in (
                        ("status", list(reports.STATUSES)),
                        ("category", list(reports.CATEGORIES)),
                        ("province", None),
                    )
                ]
                + [
                    {
                        "name": name,
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                    for name in ("page", "per_page")
                ],
                "responses": {
                    "200": {
                        "description": "a page of reports",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "total": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "results": {"type": "array", "items": report},
                                },
                            }
                        ),
                    },
                    "400": _problem("a bad filter, named in `param`"),
                    "401": _problem("an unknown token"),
                },
            },
        },
        "/api/v1/reports/{tracking_code}": {
            "get": {
                "summary": "One report with its events: the reporter (X-Report-Secret), a curator, "
                "or the institution it is disposed to",
                "security": optional_bearer,
                "parameters": [code, secret_header],
                "responses": {
                    "200": {"description": "the report", **_json(report)},
                    "401": _problem("an unknown token"),
                    "404": not_found,
                },
            }
        },
        "/api/v1/reports/{tracking_code}/attachments/{attachment_id}": {
            "get": {
                "summary": "One of the report's files (a photo or a PDF), for whoever may open "
                "the report: the reporter (X-Report-Secret), a curator, or the institution it is "
                "disposed to; the report's `attachments[].url` points here",
                "security": optional_bearer,
                "parameters": [
                    code,
                    {
                        "name": "attachment_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                    },
                    secret_header,
                ],
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {
                            kind: {"schema": {"type": "string", "format": "binary"}}
                            for kind in ("image/*", "application/pdf")
                        },
                    },
                    "401": _problem("an unknown token"),
                    "404": not_found,
                },
            }
        },
        "/api/v1/reports/{tracking_code}/actions": {
            "post": {
                "summary": "Take a step: curator verify/reject/dispose/restrict, the disposed "
                "institution respond/return (not theirs: back to the curators with the reason), "
                "the reporter reopen/close",
                "security": optional_bearer,
                "parameters": [code, secret_header],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["action"],
                            "properties": {
                                "action": {"type": "string", "enum": list(reports.STEPS)},
                                "reason": {
                                    "type": "string",
                                    "description": "reject: "
                                    + ", ".join(reports.REJECT_REASONS)
                                    + "; return: why the report is not the institution's",
                                },
                                "to": {
                                    "type": "string",
                                    "description": "dispose: the institution account's email",
                                },
                                "text": text,
                                "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                                "anonymous": {"type": "boolean"},
                                "confidential": {"type": "boolean"},
                            },
                        }
                    ),
                },
                "responses": {
                    "200": {"description": "the report after the step", **_json(report)},
                    "400": _problem("bad input, named in `param`"),
                    "401": _problem("an unknown token"),
                    "403": _problem("the step is not this caller's to take"),
                    "404": not_found,
                    "409": _problem("a step out of order"),
                },
            }
        },
    }

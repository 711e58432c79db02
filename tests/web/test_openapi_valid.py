"""/api/v1/openapi.json is a valid OpenAPI 3.1 document, and our answers match it (issue 17:
the candidates' `explain` field made the response schema invalid)."""

from __future__ import annotations

import pytest

from tests.accounts_helpers import bearer, make_user, token_for
from tests.curation_helpers import make_candidate

schemathesis = pytest.importorskip("schemathesis", reason="needs the `schemathesis` package")


def test_the_document_validates_against_the_openapi_schema(app, ctx):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()  # the OpenAPI 3.1 meta-schema; raises on an invalid document
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert "GET /api/v1/candidates" in labels


def test_a_candidates_answer_with_explain_matches_its_schema(app, ctx):
    token = token_for(make_user("kurator@example.org", "curator", org=None))
    make_candidate("Posko relawan antar obat", score=0.9)  # explain: [["antar obat", 0.9], ...]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/candidates"]["GET"]
    case = operation.Case(headers=bearer(token))
    response = case.call()
    assert response.status_code == 200
    assert response.json()["results"][0]["explain"]
    case.validate_response(response)  # raised "Invalid Schema Object ... explain" before

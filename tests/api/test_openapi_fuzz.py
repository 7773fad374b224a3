"""Fuzz the API from its own OpenAPI document (schemathesis): no 5xx, and no response that
breaks the schema it declares. Runs against the live server, with demo data loaded and a
moderator's token, so the write and moderation endpoints are reached too."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import ROOT

MAX_EXAMPLES = 25
_token: dict[str, str] = {}


@schemathesis.auth()
class ModeratorToken:
    """Schemathesis adds (and, for its auth checks, withholds) the moderator's token."""

    def get(self, case, context):
        return _token["value"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def api_schema(server, run_import, moderator):
    run_import(ROOT / "import" / "demo-blog.wxr.xml")
    _token["value"] = moderator["token"]
    schema = schemathesis.openapi.from_url(f"{server}/api/openapi.json")
    schema.config.base_url = server  # type: ignore[attr-defined]
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    # Every check but "positive data acceptance": marshmallow's URL and email validators are
    # stricter than the JSON Schema formats, so a 422 for such input is right, not a bug.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])

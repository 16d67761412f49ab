"""Schemathesis over the whole OpenAPI document, as a regional operator and as a teacher.

Every operation gets a bounded sample of generated requests (``EFS_FUZZ_EXAMPLES`` each,
default 5: a few minutes for the whole document on two cores); the answers must never be a
server error, must use a status the document lists, and must match the documented schema
(the error shape included). ``bench/api/fuzz.sh`` runs the same with many more examples.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency (pip install -e '.[dev]')")

from hypothesis import HealthCheck, Phase, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from efs.people.services import api_token_create  # noqa: E402

EXAMPLES = int(os.environ.get("EFS_FUZZ_EXAMPLES", "5"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


def _failures_of(operation, headers, statuses: Counter) -> list[str]:
    failures: list[str] = []

    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        statuses[response.status_code // 100] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(
                f"{operation.label}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                f"[{response.status_code}] {case.path_parameters or ''} {case.query or ''} "
                f"{str(case.body)[:120] if case.body is not None else ''}"
            )

    run()
    return failures


@pytest.mark.parametrize("who", ["regional", "teacher"])
def test_every_operation_keeps_its_document(transactional_db, world, who):
    from efs.wsgi import application

    token = api_token_create(user=world.users[who], name="fuzz").plaintext
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    statuses: Counter = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures.extend(_failures_of(operation, headers, statuses))
    assert operations > 60
    assert statuses[2] > 20, statuses  # the token works: not everything is refused
    summary = Counter(f.split(":", 1)[0] for f in failures)
    assert not failures, f"{len(failures)} failures in {len(summary)} operations:\n" + "\n".join(
        sorted(set(failures))[:80]
    )

"""One demo region for the tests of this package.

`efs demo` for a region of 1 200 educators with its diagnostics is the slowest thing the
suite does (a minute and more per run); five tests each made their own, of four sizes. Here it
is made once per test run and backend: inside one transaction opened before the package's first
test and rolled back after its last. Each test runs inside its own savepoint within it (the
`db` fixture), so whatever a test writes is undone before the next one reads the region. The
tests are one xdist group (`--dist loadgroup` in scripts/test.sh), so one worker makes it.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.conftest import load_reference_data

EDUCATORS = 1200
SEED = 5


@pytest.fixture(scope="package")
def demo_region(django_db_setup, django_db_blocker) -> str:
    """`efs demo --educators 1200 --seed 5` (diagnostics included); its output."""
    output = io.StringIO()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_reference_data()
            call_command("demo", educators=EDUCATORS, seed=SEED, stdout=output)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield output.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_region, db) -> str:
    """The package's demo region, for a test that reads it (inside the test's savepoint)."""
    return demo_region

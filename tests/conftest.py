import io

import pytest
from django.core.management import call_command
from django.db import connection

from hubs.models import Hub


@pytest.fixture(autouse=True, scope="session")
def _postgresql_only(django_db_setup, django_db_blocker):
    # Locks, constraints and indexes behave differently on SQLite; the suite
    # is about the real thing.
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.exit("The tests run on PostgreSQL: set DATABASE_URL=postgres://...", 2)


@pytest.fixture
def reference_data(db):
    """The nine regions, 153 local authorities and 40 hubs that ship with the code."""
    call_command("load_reference_data", stdout=io.StringIO())


@pytest.fixture
def hub(reference_data) -> Hub:
    """Archimedes NE: Darlington (841) among its authorities, Carmel College its lead."""
    return Hub.objects.get(slug="archimedes-ne")

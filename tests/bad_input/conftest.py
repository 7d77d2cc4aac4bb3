"""Fixtures shared by the bad-input tests: two hubs' worlds, built once per module."""

import pytest

from tests.bad_input.test_bad_input import shared_worlds


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    yield from shared_worlds(django_db_blocker)


@pytest.fixture
def world(shared_world, db):
    """The shared worlds; whatever a test changes is rolled back after it."""
    return shared_world


@pytest.fixture
def lead_client(world, client):
    """A test client logged in as the lead of ``world.hub``."""
    client.force_login(world.lead)
    return client

"""The demo, loaded in one transaction: accounts, people, then each part of the network.

``manage.py load_demo`` calls :func:`load_demo`. Every random choice is drawn
from a stream seeded by the stage's name (``World.rng``), so the same day
gives the same rows. A database where the demo is loaded is left as it is
(only missing demo accounts are put back), so ``make run`` can call it at
every start without undoing what someone tried in the portal.
"""

import time as clock
from dataclasses import dataclass, field
from datetime import date

from django.core.management import call_command
from django.db import transaction

from .accounts import DEMO_HUB
from .load_exchange import load_exchange
from .load_newsletters import load_newsletters
from .load_projects import load_funding, load_projects
from .load_workgroups import load_enrolments, load_older_workgroups
from .people import backdate_people, load_accounts, load_people
from .reset import delete_demo, is_loaded
from .world import load_world


class DemoNotPossible(Exception):
    """What is missing before the demo can load, in words for the person running it."""


@dataclass
class Result:
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def load_demo(*, today: date, reset: bool = False, stdout=None) -> Result:
    """Load the demo on top of the reference data and the GIAS sample (``reset``: afresh)."""
    started = clock.perf_counter()
    result = Result(loaded=False)
    with transaction.atomic():
        if reset:
            result.deleted = delete_demo()
        # Its own check: it does nothing when its Work Groups are there already.
        call_command("load_demo_workgroups", stdout=stdout)
        world = load_world(today, DEMO_HUB)
        if not world.schools.get(world.demo_hub.pk):
            raise DemoNotPossible(
                "No schools in the register yet: run `manage.py import_schools "
                "fixtures/gias_sample.csv` first."
            )
        load_accounts(world)
        if not is_loaded():
            load_people(world)
            load_older_workgroups(world)
            load_enrolments(world)
            hosts = load_exchange(world)
            participations = load_projects(world, extra=hosts)
            load_funding(world, participations)
            load_newsletters(world)
            backdate_people(world)
            result.loaded = True
        result.counts = dict(world.counts)
    result.seconds = clock.perf_counter() - started
    return result


def remove_demo() -> dict[str, int]:
    with transaction.atomic():
        return delete_demo()

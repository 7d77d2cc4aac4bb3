"""A made-up Maths Hubs network the size of the real one, from a fixed seed.

``manage.py generate_network`` calls :func:`generate_network`. It writes, for
benchmarks and load tests, about 22,000 schools across every local authority,
150,000 teachers, ten academic years of Work Groups (about 3,000 a year) with
their sessions, 1,000,000 enrolments and the attendance of past sessions,
each hub's part in the national projects with its schools, the England-China
exchange of 2014-2018 and each hub's funding and spending. The 40 hubs, their
areas and the national projects are the real ones (load_reference_data).

Everything is drawn from ``random.Random`` streams seeded from the seed and
the name of the stage, so the same seed, scale and day give the same rows.
The big tables are written with PostgreSQL's COPY; ids are claimed from each
table's sequence first so that children can point at their parents.

Generated rows are recognisable, so a second run replaces them and nothing
else: schools have URNs in GENERATED_URNS, people's addresses end in
@example.invalid, Work Group slugs start with "gen-", and the rest hangs off
those (project schools, exchange nominations and showcases are at generated
schools; funding is recorded by a generated hub lead).

The package reads and writes every app's tables, so it lives in the demo app
(development only): the command, the benchmark scripts and tests import it.

- ``generator.py``: the run, stage by stage; one module a stage (each a mixin
  of ``NetworkGenerator``): ``schools.py`` (schools and their teachers),
  ``workgroups.py`` (groups, sessions, enrolments, attendance), ``projects.py``
  (projects, funding and spending), ``exchange.py``, ``people.py``.
- ``base.py``: sizes, the COPY writer and the helpers the stages share.
- ``marks.py``: how generated rows are recognised, deleted and fingerprinted.
- Word lists, shares and weights are in demo/vocabulary.py, the Work Groups'
  plans in demo/plans.py: the demo draws from them too.
"""

import time as clock
from datetime import date

from django.db import transaction

from hubs_portal.lib.academic_year import academic_year_of
from projects.models import FIRST_NETWORK_YEAR

from .base import DEFAULT_SEED, MAX_SCALE, Summary, sizes
from .generator import NetworkGenerator
from .marks import (
    EMAIL_DOMAIN,
    GENERATED_URNS,
    NCETM_EMAIL,
    SLUG_PREFIX,
    delete_generated,
    generated_schools,
    is_generated,
    network_checksum,
    other_data,
)


def generate_network(
    *, seed: int = DEFAULT_SEED, scale: float = 1.0, years: int = 10, today: date, progress: bool
) -> Summary:
    """Replace any generated network with a new one; see the module's docstring."""
    generator = NetworkGenerator(
        seed=seed, scale=scale, years=years, today=today, progress=progress
    )
    started = clock.perf_counter()
    if is_generated():
        with transaction.atomic():
            delete_generated()
    deleted = clock.perf_counter() - started
    summary = generator.run()
    summary.timings = {"deleting the previous network": deleted, **summary.timings}
    summary.seconds += deleted
    return summary


__all__ = [
    "DEFAULT_SEED",
    "EMAIL_DOMAIN",
    "FIRST_NETWORK_YEAR",
    "GENERATED_URNS",
    "MAX_SCALE",
    "NCETM_EMAIL",
    "SLUG_PREFIX",
    "Summary",
    "academic_year_of",
    "delete_generated",
    "generate_network",
    "generated_schools",
    "is_generated",
    "network_checksum",
    "other_data",
    "sizes",
]

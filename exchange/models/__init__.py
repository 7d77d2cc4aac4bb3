"""The England-China (Shanghai) teacher exchange: years, teachers, pairings, showcases.

Each year two or three English teachers from every hub spend two weeks in
Shanghai; later in the school year Shanghai teachers spend a fortnight at
those teachers' schools, and the hub runs "showcase" lessons that teachers
from neighbouring schools come to observe.

Split by topic: years, teachers (nominations, Shanghai teachers, pairings) and
showcases (lessons and observer registrations). Import models from here:
``from exchange.models import Showcase``.
"""

from exchange.models.showcases import (
    MAX_OBSERVER_PLACES,
    ObserverRegistration,
    ObserverRegistrationQuerySet,
    Showcase,
    ShowcaseQuerySet,
)
from exchange.models.teachers import (
    MAX_TEACHERS_PER_HUB,
    MIN_TEACHERS_PER_HUB,
    ExchangeTeacher,
    Pairing,
    ShanghaiTeacher,
    pairing_problem,
)
from exchange.models.years import FIRST_EXCHANGE_YEAR, ExchangeYear, ExchangeYearQuerySet, Phase

__all__ = [
    "FIRST_EXCHANGE_YEAR",
    "MAX_OBSERVER_PLACES",
    "MAX_TEACHERS_PER_HUB",
    "MIN_TEACHERS_PER_HUB",
    "ExchangeTeacher",
    "ExchangeYear",
    "ExchangeYearQuerySet",
    "ObserverRegistration",
    "ObserverRegistrationQuerySet",
    "Pairing",
    "Phase",
    "ShanghaiTeacher",
    "Showcase",
    "ShowcaseQuerySet",
    "pairing_problem",
]

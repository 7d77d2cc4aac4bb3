from datetime import date, timedelta

from django.utils import timezone

from exchange.models import (
    ExchangeTeacher,
    ExchangeYear,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from hubs_portal.lib.academic_year import current_academic_year
from tests.factories import make_school, make_teacher

HUB_PATHS = ["shanghai_teacher__hub", "english_teacher__hub", "showcase__hub"]
KWARG_HINTS = {
    "nomination": ["exchange.ExchangeTeacher"],
    "shanghai": ["exchange.ShanghaiTeacher"],
    "showcase": ["exchange.Showcase"],
}


def build(hub, lead):
    start = current_academic_year()
    year = ExchangeYear.objects.create(
        academic_year=start,
        english_visit_start=date(start, 11, 1),
        english_visit_end=date(start, 11, 14),
    )
    school = make_school(name="Hosting Primary")
    host = ExchangeTeacher.objects.create(
        hub=hub, exchange_year=year, teacher_name="Hana Host", school=school, phase="primary"
    )
    ExchangeTeacher.objects.create(
        hub=hub, exchange_year=year, teacher_name="Una Unpaired", school=school, phase="primary"
    )
    guest = ShanghaiTeacher.objects.create(
        hub=hub, exchange_year=year, name="Li Wei", shanghai_school="Jing'an No. 1", phase="primary"
    )
    Pairing.objects.create(shanghai_teacher=guest, english_teacher=host)
    starts = timezone.now() + timedelta(days=3)
    showcase = Showcase.objects.create(
        hub=hub,
        exchange_year=year,
        host_school=school,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        class_and_topic="Year 4: equivalent fractions",
        shanghai_teacher=guest,
        observer_places=10,
        places_taken=1,
        status=Showcase.Status.OPEN,
    )
    ObserverRegistration.objects.create(showcase=showcase, teacher=make_teacher())

"""What the Work Groups app adds to the hub page and the workspace dashboard (hubs/sections.py)."""

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from hubs import sections
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from workgroups.models import Enrolment, Session, WorkGroup

HUB_PAGE_WORKGROUPS = 5
DASHBOARD_SESSIONS = 10


@sections.register(sections.HUB_PAGE, template="workgroups/_hub_page_section.html", order=10)
def upcoming_workgroups(hub, request) -> dict:
    """The hub's next Work Groups with places, soonest first."""
    upcoming = (
        WorkGroup.objects.with_places()
        .filter(hub=hub, starts_on__gte=timezone.localdate())
        .order_by("starts_on", "title")
    )
    return {"workgroups": upcoming[:HUB_PAGE_WORKGROUPS]}


@sections.register(
    sections.DASHBOARD, template="manage/workgroups/_dashboard_section.html", order=10
)
def this_years_workgroups(hub, request) -> dict:
    """How the hub's Work Groups stand this school year, and the next sessions.

    Three queries: the groups' figures, the enrolments' figures, the sessions.
    """
    year = current_academic_year()
    groups = WorkGroup.objects.filter(hub=hub, academic_year=year)
    published = ~Q(status=WorkGroup.Status.DRAFT)
    figures = groups.aggregate(
        draft=Count("pk", filter=Q(status=WorkGroup.Status.DRAFT)),
        open=Count("pk", filter=Q(status=WorkGroup.Status.OPEN)),
        full=Count("pk", filter=Q(status=WorkGroup.Status.OPEN, places_taken__gte=F("capacity"))),
        closed=Count("pk", filter=Q(status=WorkGroup.Status.CLOSED)),
        places_offered=Coalesce(Sum("capacity", filter=published), 0),
        places_filled=Coalesce(Sum("places_taken", filter=published), 0),
    )
    holds_place = Q(status__in=Enrolment.HOLDS_PLACE)
    figures |= Enrolment.objects.filter(
        workgroup__hub=hub, workgroup__academic_year=year
    ).aggregate(
        waiting=Count("pk", filter=Q(status=Enrolment.Status.WAITING)),
        schools=Count("school", filter=holds_place, distinct=True),
        teachers=Count("teacher", filter=holds_place, distinct=True),
    )
    sessions = (
        Session.objects.filter(workgroup__hub=hub, starts_at__gte=timezone.now())
        .select_related("workgroup")
        .order_by("starts_at", "pk")[:DASHBOARD_SESSIONS]
    )
    return {"year_label": academic_year_label(year), "figures": figures, "sessions": sessions}

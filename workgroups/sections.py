"""What the Work Groups app adds to a hub's pages (see hubs/sections.py)."""

from django.utils import timezone

from hubs import sections
from workgroups.models import WorkGroup

HUB_PAGE_WORKGROUPS = 5


@sections.register(sections.HUB_PAGE, template="workgroups/_hub_page_section.html", order=10)
def upcoming_workgroups(hub, request) -> dict:
    """The hub's next Work Groups with places, soonest first."""
    upcoming = (
        WorkGroup.objects.with_places()
        .filter(hub=hub, starts_on__gte=timezone.localdate())
        .order_by("starts_on", "title")
    )
    return {"workgroups": upcoming[:HUB_PAGE_WORKGROUPS]}

"""How a hub is named on the report pages: a drill-down link, a short name for charts."""

from django.urls import reverse

from hubs.models import Hub

from ..queries.filters import Filters
from ..tables import Link


def short_name(hub: Hub) -> str:
    """ "Archimedes NE" for "Archimedes NE Maths Hub": charts have little room."""
    return hub.name.removesuffix(" Maths Hub")


def hub_link(hub: Hub, filters: Filters) -> Link:
    return Link(hub.name, reverse("reports:hub", args=[hub.slug]) + filters.drill_query)

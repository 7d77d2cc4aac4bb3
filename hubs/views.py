from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, render

from hubs import sections
from hubs.forms import FindHubForm
from hubs.models import Hub, Partnership, RecordStatus, Region, School

FINDER_RESULTS_SHOWN = 25


def home(request):
    context = {
        "form": FindHubForm(),
        "hub_count": Hub.objects.count(),
        "region_count": Region.objects.count(),
    }
    return render(request, "home.html", context)


def hub_list(request):
    hubs = (
        Hub.objects.select_related("region").with_current_leads().order_by("region__name", "name")
    )
    return render(request, "hubs/hub_list.html", {"hubs": hubs})


def hub_detail(request, slug: str):
    hub = get_object_or_404(Hub.objects.select_related("region"), slug=slug)
    partnerships = (
        hub.partnerships.current()
        .select_related("school__local_authority", "organisation")
        .order_by("start_date", "pk")
    )
    by_role = {role: [] for role in Partnership.Role}
    recorded_not_certain = hub.area_status != RecordStatus.CONFIRMED
    for partnership in partnerships:
        recorded_not_certain |= partnership.status != RecordStatus.CONFIRMED
        by_role[partnership.role].append(partnership)
    context = {
        "hub": hub,
        "recorded_not_certain": recorded_not_certain or not by_role[Partnership.Role.LEAD_SCHOOL],
        "leads": by_role[Partnership.Role.LEAD_SCHOOL],
        "strategic_partners": by_role[Partnership.Role.STRATEGIC],
        "operational_partners": by_role[Partnership.Role.OPERATIONAL],
        "team": hub.leadership_team.all(),
        "authorities": hub.local_authorities.select_related("region").order_by("name"),
        "school_count": School.objects.open().filter(local_authority__hubs=hub).count(),
        "sections": sections.build(sections.HUB_PAGE, hub, request),
    }
    return render(request, "hubs/hub_detail.html", context)


def _hubs_prefetch(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=Hub.objects.order_by("name"))


def find_hub(request):
    """Which hub covers my school? Answers from a school search or a chosen authority."""
    form = FindHubForm(request.GET or None)
    context = {"form": form, "searched": form.is_bound}
    if form.is_valid():
        query, authority = form.cleaned_data["q"], form.cleaned_data["la"]
        if query:
            schools = School.objects.search(query)
            total = schools.count()
            context.update(
                query=query,
                total=total,
                schools=schools.select_related("local_authority__region")
                .prefetch_related(_hubs_prefetch("local_authority__hubs"))
                .order_by("name", "urn")[:FINDER_RESULTS_SHOWN]
                if total
                else [],
                shown=min(total, FINDER_RESULTS_SHOWN),
            )
        else:
            prefetch_related_objects([authority], "region", _hubs_prefetch("hubs"))
            context.update(
                authority=authority,
                authority_school_count=authority.schools.open().count(),
            )
    return render(request, "hubs/find.html", context)

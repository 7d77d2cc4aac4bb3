"""The hub workspace's funding, under /manage/<hub_slug>/funding/.

Who sees and records money:
- reading: the hub's team (leads and members) and NCETM staff, nobody else;
  no public page shows an amount;
- allocations (money the hub is given): the hub's leads, and NCETM staff,
  who hold the national record of what each hub was granted;
- spending: the hub's leads only, since they answer for the hub's accounts.
Team members read both. Lines recorded by mistake are removed (and re-entered),
each removal kept in the change history.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from hubs.access import hub_team_required
from hubs.models import Hub
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.forms import YearForm
from projects import services
from projects.forms import AllocationForm, SpendForm
from projects.models import Allocation, Spend
from projects.services import (
    allocation_record,
    funding_summary,
    spend_record,
    spending_by_category,
)


def _home_url(hub: Hub, year: int) -> str:
    return f"{reverse('manage-funding:home', args=[hub.slug])}?year={year}"


@hub_team_required
@require_safe
def funding_home(request, access):
    """One academic year's money: allocated, spent, balance, share on classroom-based CPD.

    Queries: the years with any record; the allocation sums; the spending sums;
    spending by category; the allocation lines with projects; the spending
    lines with projects.
    """
    hub = access.hub
    this_year = current_academic_year()
    recorded_years = (
        Allocation.objects.filter(hub=hub)
        .values_list("academic_year", flat=True)
        .union(Spend.objects.filter(hub=hub).values_list("academic_year", flat=True))
        .order_by()  # the models' default orderings name columns a UNION does not have
    )
    years = {*recorded_years, this_year}
    form = YearForm(request.GET or None, years=years)
    year = form.cleaned_data["year"] if form.is_valid() else this_year
    context = {
        "hub": hub,
        "form": form,
        "year": year,
        "year_label": academic_year_label(year),
        "summary": funding_summary(hub=hub, academic_year=year),
        "categories": spending_by_category(hub=hub, academic_year=year),
        "allocations": Allocation.objects.filter(hub=hub, academic_year=year)
        .select_related("project")
        .order_by("-category", "project__name", "pk"),  # structural costs, then projects
        "spending": Spend.objects.filter(hub=hub, academic_year=year)
        .select_related("project")
        .order_by("spent_on", "pk"),
    }
    return render(request, "manage/funding/home.html", context)


@hub_team_required(lead=True, national=True)
def allocation_add(request, access):
    hub = access.hub
    if not access.lead_or_national:
        raise PermissionDenied("Only the hub's leads and NCETM staff record allocations.")
    form = AllocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allocation = allocation_record(hub=hub, user=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"£{allocation.amount:,} for {allocation.academic_year_label} is recorded as "
            f"{allocation.get_category_display().lower()}.",
        )
        return redirect(_home_url(hub, allocation.academic_year))
    return render(request, "manage/funding/allocation_form.html", {"hub": hub, "form": form})


@hub_team_required(lead=True, national=True)
@require_POST
def allocation_remove(request, access, allocation_pk: int):
    hub = access.hub
    allocation = get_object_or_404(
        Allocation.objects.select_related("project"), hub=hub, pk=allocation_pk
    )
    allocation.hub = hub
    services.allocation_remove(allocation=allocation, user=request.user)
    messages.success(
        request,
        f"The allocation of £{allocation.amount:,} for {allocation.academic_year_label} "
        "is removed.",
    )
    return redirect(_home_url(hub, allocation.academic_year))


@hub_team_required(lead=True)
def spend_add(request, access):
    hub = access.hub
    access.require_lead("Only the hub's leads record spending.")
    form = SpendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        spend = spend_record(hub=hub, user=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"£{spend.amount:,} spent on {spend.spent_on:%-d %B %Y} is recorded under "
            f"{spend.get_category_display()}.",
        )
        return redirect(_home_url(hub, spend.academic_year))
    return render(request, "manage/funding/spend_form.html", {"hub": hub, "form": form})


@hub_team_required(lead=True)
@require_POST
def spend_remove(request, access, spend_pk: int):
    hub = access.hub
    spend = get_object_or_404(Spend.objects.select_related("project"), hub=hub, pk=spend_pk)
    spend.hub = hub
    services.spend_remove(spend=spend, user=request.user)
    messages.success(
        request, f"The spending of £{spend.amount:,} on {spend.spent_on:%-d %B %Y} is removed."
    )
    return redirect(_home_url(hub, spend.academic_year))

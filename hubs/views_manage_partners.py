"""The hub workspace's partners, leadership team and contact details.

The team reads; only the hub's leads change (hub_team_required(lead=True)
for writes, ``access.require_lead()`` for the pages that only show a form).
The changes themselves, each with its audit entry, are in hubs/services.py.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as ModelValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hubs import services
from hubs.access import hub_team_required
from hubs.forms import (
    HubContactForm,
    LeadershipTeamMemberForm,
    PartnershipAddForm,
    PartnershipEndForm,
)
from hubs.models import LeadershipTeamMember, Partnership
from hubs.school_picker import SchoolSearchForm


def _partnership_phase(partnership: Partnership, today: date) -> str:
    if partnership.end_date is not None and partnership.end_date < today:
        return "ended"
    if partnership.start_date is not None and partnership.start_date > today:
        return "future"
    return "current"


def _to_partners(access):
    return redirect("manage-hubs:partners", hub_slug=access.hub.slug)


@hub_team_required
def partners(request, access):
    hub = access.hub
    today = timezone.localdate()
    phase_order = {"current": 0, "future": 1, "ended": 2}
    by_role = {role: [] for role in Partnership.Role}
    rows = hub.partnerships.select_related("school__local_authority", "organisation").order_by(
        "start_date", "pk"
    )
    for partnership in rows:
        partnership.phase = _partnership_phase(partnership, today)
        by_role[partnership.role].append(partnership)
    roles = [
        {
            "label": role.label,
            "slug": role.value,
            # Current first, then those starting later, then ended ones.
            "partnerships": sorted(by_role[role], key=lambda p: phase_order[p.phase]),
        }
        for role in Partnership.Role
    ]
    context = {
        "hub": hub,
        "roles": roles,
        "team": hub.leadership_team.order_by("display_order", "name"),
        "authorities": hub.local_authorities.select_related("region").order_by("name"),
    }
    return render(request, "manage/hubs/partners.html", context)


@hub_team_required(lead=True)
def partner_add(request, access):
    """Add a partner: a school found by a GET search (no JavaScript), or an organisation."""
    hub = access.hub
    access.require_lead()
    params = request.POST if request.method == "POST" else request.GET
    search = SchoolSearchForm(params)

    if request.method == "POST":
        form = PartnershipAddForm(request.POST, hub=hub)
        if form.is_valid():
            data = form.cleaned_data
            try:
                partnership = services.partnership_add(
                    hub=hub,
                    by=request.user,
                    role=data["role"],
                    school=data["school"],
                    organisation=data["organisation"],
                    new_organisation_name=data["new_organisation_name"],
                    new_organisation_kind=data["new_organisation_kind"],
                    start_date=data["start_date"],
                    status=data["status"],
                )
            except ModelValidationError as error:
                # The two-lead rule (Partnership.clean) is about the role chosen.
                for field, errors in error.message_dict.items():
                    form.add_error(
                        field if field in form.fields and field != NON_FIELD_ERRORS else "role",
                        errors,
                    )
            else:
                messages.success(
                    request,
                    f"{partnership.partner_name} is now recorded as one of the hub's "
                    f"{partnership.get_role_display().lower()}s.",
                )
                return _to_partners(access)
    else:
        form = PartnershipAddForm(hub=hub, initial={"start_date": timezone.localdate()})

    context = {
        "hub": hub,
        "form": form,
        **search.picker(form["school"]),
    }
    return render(request, "manage/hubs/partner_add.html", context)


@hub_team_required(lead=True)
def partner_end(request, access, pk: int):
    hub = access.hub
    access.require_lead()
    partnership = get_object_or_404(
        Partnership.objects.select_related("hub", "school", "organisation"), hub=hub, pk=pk
    )
    if _partnership_phase(partnership, timezone.localdate()) == "ended":
        messages.error(
            request, f"The partnership with {partnership.partner_name} has already ended."
        )
        return _to_partners(access)

    if request.method == "POST":
        form = PartnershipEndForm(request.POST, partnership=partnership)
        if form.is_valid():
            services.partnership_end(
                partnership=partnership, end_date=form.cleaned_data["end_date"], by=request.user
            )
            messages.success(
                request,
                f"The partnership with {partnership.partner_name} ends on "
                f"{partnership.end_date:%-d %B %Y}.",
            )
            return _to_partners(access)
    else:
        form = PartnershipEndForm(partnership=partnership)
    return render(
        request,
        "manage/hubs/partner_end.html",
        {"hub": hub, "partnership": partnership, "form": form},
    )


@hub_team_required(lead=True)
def leader_add(request, access):
    hub = access.hub
    access.require_lead()
    form = LeadershipTeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        leader = services.leader_add(hub=hub, by=request.user, **form.cleaned_data)
        messages.success(request, f"{leader.name} is now on the leadership team.")
        return _to_partners(access)
    return render(
        request, "manage/hubs/leader_form.html", {"hub": hub, "form": form, "leader": None}
    )


def _changes(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data}


@hub_team_required(lead=True)
def leader_edit(request, access, pk: int):
    hub = access.hub
    access.require_lead()
    leader = get_object_or_404(LeadershipTeamMember.objects.select_related("hub"), hub=hub, pk=pk)
    form = LeadershipTeamMemberForm(request.POST or None, instance=leader)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return _to_partners(access)
        leader = services.leader_change(leader=leader, fields=_changes(form), by=request.user)
        messages.success(request, f"The entry for {leader.name} is saved.")
        return _to_partners(access)
    return render(
        request, "manage/hubs/leader_form.html", {"hub": hub, "form": form, "leader": leader}
    )


@hub_team_required(lead=True)
@require_POST
def leader_remove(request, access, pk: int):
    leader = get_object_or_404(
        LeadershipTeamMember.objects.select_related("hub"), hub=access.hub, pk=pk
    )
    services.leader_remove(leader=leader, by=request.user)
    messages.success(request, f"{leader.name} is no longer on the leadership team.")
    return _to_partners(access)


@hub_team_required(lead=True)
def contact_edit(request, access):
    hub = access.hub
    access.require_lead()
    form = HubContactForm(request.POST or None, instance=hub)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return _to_partners(access)
        services.hub_contact_change(hub=hub, fields=_changes(form), by=request.user)
        messages.success(request, "The hub's contact details are saved.")
        return _to_partners(access)
    return render(request, "manage/hubs/contact_form.html", {"hub": hub, "form": form})

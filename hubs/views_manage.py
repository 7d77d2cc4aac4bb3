"""The hub team's workspace: dashboard, team, change history.

Every view takes the person's ``access`` (hubs.access.HubAccess) from
``hub_team_required`` (outsiders get a 404) and fetches children through
``access.hub``. Changes are made by hubs/services.py, then redirect with a
message. Partners, leadership team and contact details are in
hubs/views_manage_partners.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hubs import sections, services
from hubs.access import hub_team_required, user_hubs
from hubs.audit import history
from hubs.forms import TeamAddForm, TeamRoleForm
from hubs.models import HubMembership


@login_required
def my_hubs(request):
    """/manage/: straight to the workspace of a one-hub team, else a choice."""
    hubs = list(user_hubs(request.user))
    if len(hubs) == 1:
        return redirect("manage-hubs:dashboard", hub_slug=hubs[0].slug)
    return render(request, "manage/hubs/my_hubs.html", {"hubs": hubs})


# --- Dashboard --------------------------------------------------------------


@hub_team_required
def dashboard(request, access):
    """The sections other apps register for the dashboard (hubs/sections.py)."""
    hub = access.hub
    context = {"hub": hub, "sections": sections.build(sections.DASHBOARD, hub, request)}
    return render(request, "manage/hubs/dashboard.html", context)


# --- Team -------------------------------------------------------------------
# The changes themselves (the last-lead rule under a lock, the audit entries)
# are the services' (hubs/services.py), shared with the grant_hub_role command.


def _render_team(request, access, form: TeamAddForm):
    memberships = access.hub.memberships.select_related("user").order_by(
        "role", "user__full_name", "user__email"
    )
    context = {
        "hub": access.hub,
        "memberships": memberships,
        "form": form,
        "role_choices": HubMembership.Role.choices,
    }
    return render(request, "manage/hubs/team.html", context)


def _to_team(access):
    return redirect("manage-hubs:team", hub_slug=access.hub.slug)


def _membership(access, pk: int) -> HubMembership:
    membership = get_object_or_404(
        HubMembership.objects.select_related("user"), hub=access.hub, pk=pk
    )
    membership.hub = access.hub  # already fetched: the services need no query for it
    return membership


@hub_team_required
def team(request, access):
    return _render_team(request, access, TeamAddForm(hub=access.hub))


@hub_team_required(lead=True, national=True)
@require_POST
def team_add(request, access):
    form = TeamAddForm(request.POST, hub=access.hub)
    if not form.is_valid():
        return _render_team(request, access, form)
    try:
        membership = services.membership_add(
            hub=access.hub, user=form.user, role=form.cleaned_data["role"], by=request.user
        )
    except services.TeamChangeRefused as refusal:
        # Someone else added them since the form checked.
        form.add_error("email", str(refusal))
        return _render_team(request, access, form)
    messages.success(
        request,
        f"{form.user.get_full_name()} is now on the team as "
        f"{membership.get_role_display().lower()}.",
    )
    return _to_team(access)


@hub_team_required(lead=True, national=True)
@require_POST
def team_role(request, access, pk: int):
    membership = _membership(access, pk)
    form = TeamRoleForm(request.POST)
    name = membership.user.get_full_name()
    if not form.is_valid():
        messages.error(request, f"Choose a role from the list for {name}.")
        return _to_team(access)
    try:
        changed = services.membership_role_change(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except services.TeamChangeRefused as refusal:
        messages.error(request, str(refusal))
        return _to_team(access)
    role = membership.get_role_display().lower()
    if changed:
        messages.success(request, f"{name} is now {role}.")
    else:
        messages.info(request, f"{name} is already {role}.")
    return _to_team(access)


@hub_team_required(lead=True, national=True)
@require_POST
def team_remove(request, access, pk: int):
    membership = _membership(access, pk)
    name = membership.user.get_full_name()
    try:
        services.membership_remove(membership=membership, by=request.user)
    except services.TeamChangeRefused as refusal:
        messages.error(request, str(refusal))
        return _to_team(access)
    messages.success(request, f"{name} is no longer on the team.")
    if membership.user_id == request.user.pk and not (
        request.user.is_ncetm_staff or request.user.is_superuser
    ):
        # They have just left the team: the workspace is no longer theirs.
        return redirect("manage-home")
    return _to_team(access)


# --- Change history ---------------------------------------------------------


@hub_team_required
def audit(request, access):
    hub = access.hub
    page = history(hub, request.GET.get("page"))
    context = {
        "hub": hub,
        "page": page,
        "entries": page.object_list,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }
    return render(request, "manage/hubs/audit.html", context)

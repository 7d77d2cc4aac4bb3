"""The hub team's workspace: dashboard, team, change history.

Every view takes the person's ``access`` (hubs.access.HubAccess) from
``hub_team_required`` (outsiders get a 404) and fetches children through
``access.hub``. Changes are made by hubs/services.py, then redirect with a
message. Partners, leadership team and contact details are in
hubs/views_manage_partners.py.
"""

from datetime import date

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hubs import sections, services
from hubs.access import hub_team_required, user_hubs
from hubs.forms import TeamAddForm, TeamRoleForm
from hubs.models import AuditEntry, HubMembership, School
from hubs_portal.lib.forms import parse_id

SCHOOLS_SHOWN = 20
AUDIT_PER_PAGE = 50

# Labels for the change history; actions recorded elsewhere fall back to
# their code made readable.
ACTION_LABELS = {
    "partnership.add": "Added a partner",
    "partnership.end": "Ended a partnership",
    "organisation.add": "Added an organisation",
    "leader.add": "Added to the leadership team",
    "leader.change": "Changed a leadership team entry",
    "leader.remove": "Removed from the leadership team",
    "hub.contact": "Changed the hub's contact details",
    "membership.add": "Added to the hub team",
    "membership.role": "Changed a team role",
    "membership.remove": "Removed from the hub team",
    "workgroup.create": "Created a Work Group",
    "workgroup.update": "Changed a Work Group",
    "workgroup.publish": "Published a Work Group",
    "workgroup.close": "Closed a Work Group",
    "workgroup.places": "Changed the number of places",
    "workgroup.message": "E-mailed the participants",
    "session.create": "Added a session",
    "session.update": "Changed a session",
    "session.delete": "Removed a session",
    "attendance.record": "Recorded attendance",
    "enrolment.complete": "Marked participants as completed",
    "evaluation.save": "Saved the evaluation",
    "project_participation.create": "Recorded a project participation",
    "project_participation.update": "Changed a project participation",
    "project_participation.delete": "Removed a project participation",
    "project_participation.workgroups": "Changed a project's Work Groups",
    "project_school.add": "Added a school to a project",
    "project_school.remove": "Removed a school from a project",
    "allocation.record": "Recorded a funding allocation",
    "allocation.remove": "Removed a funding allocation",
    "spend.record": "Recorded spending",
    "spend.remove": "Removed a spending line",
    "exchange.nomination.add": "Nominated a teacher for the exchange",
    "exchange.nomination.remove": "Withdrew an exchange nomination",
    "exchange.shanghai.add": "Added a Shanghai teacher",
    "exchange.shanghai.pair": "Paired a Shanghai teacher with a host",
    "exchange.shanghai.remove": "Removed a Shanghai teacher",
    "exchange.showcase.create": "Planned a showcase lesson",
    "exchange.showcase.update": "Changed a showcase lesson",
    "exchange.showcase.notes": "Recorded the post-lesson discussion",
    "exchange.showcase.open": "Opened a showcase lesson for registration",
    "exchange.showcase.closed": "Closed a showcase lesson",
}


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


# --- Choosing a school ---------------------------------------------------------


def school_choices(query: str, chosen: str | None) -> tuple[list[School], int, bool]:
    """Schools to choose from: up to 20 matches, plus the one already chosen.

    Shared by every workspace form that picks a school from the register
    (partners, project schools, exchange nominations).

    Returns the list, how many matches it holds and whether there were more
    (one row past the limit says so, without a count).
    """
    matches: list[School] = []
    if query:
        matches = list(
            School.objects.search(query)
            .select_related("local_authority")
            .order_by("name", "urn")[: SCHOOLS_SHOWN + 1]
        )
    more = len(matches) > SCHOOLS_SHOWN
    matches = matches[:SCHOOLS_SHOWN]
    schools = list(matches)
    chosen_id = parse_id(chosen)
    if chosen_id is not None and all(s.pk != chosen_id for s in matches):
        school = (
            School.objects.exclude(status=School.Status.CLOSED)
            .select_related("local_authority")
            .filter(pk=chosen_id)
            .first()
        )
        if school is not None:
            schools.insert(0, school)
    return schools, len(matches), more


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


def _models_by_verbose_name() -> dict[str, type[models.Model]]:
    return {str(model._meta.verbose_name): model for model in apps.get_models()}


def _readable(value, field: models.Field | None) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if field is not None and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and len(value) == 10:
        try:
            return f"{date.fromisoformat(value):%-d %B %Y}"
        except ValueError:
            pass
    return str(value)


def _changes(entry: AuditEntry, model: type[models.Model] | None) -> list[dict]:
    """The fields that differ between before and after, labelled and in words.

    Related records are stored as ids, which mean nothing to a reader: they
    are left out when a record is added or removed (snapshots carry the names
    that matter, such as "partner"), and an update says only that they changed.
    """
    before, after = entry.before or {}, entry.after or {}
    adding, removing = entry.before is None, entry.after is None
    # PostgreSQL keeps JSON keys in its own order: show names such as
    # "partner" first, then the fields in the model's order.
    field_order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model else {}
    names = sorted({*before, *after}, key=lambda name: (field_order.get(name, -1), name))
    changes = []
    for name in names:
        old, new = before.get(name), after.get(name)
        if not adding and not removing and old == new:
            continue
        if (adding and new in (None, "", [])) or (removing and old in (None, "", [])):
            continue  # an empty field says nothing about what was added or removed
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        if field is not None and field.is_relation:
            if adding or removing:
                continue
            text = "changed"
        elif adding:
            text = _readable(new, field)
        elif removing:
            text = f"was {_readable(old, field)}"
        else:
            text = f"changed from {_readable(old, field)} to {_readable(new, field)}"
        label = str(getattr(field, "verbose_name", None) or name.replace("_", " "))
        changes.append({"label": label[:1].upper() + label[1:], "text": text})
    return changes


@hub_team_required
def audit(request, access):
    hub = access.hub
    entries = AuditEntry.objects.filter(hub=hub).select_related("user").order_by("-at", "-pk")
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    by_name = _models_by_verbose_name()
    entries = list(page.object_list)
    for entry in entries:
        entry.label = (
            ACTION_LABELS.get(entry.action)
            or entry.action.replace(".", ": ").replace("_", " ").capitalize()
        )
        entry.changes = _changes(entry, by_name.get(entry.object_type))
    context = {
        "hub": hub,
        "page": page,
        "entries": entries,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }
    return render(request, "manage/hubs/audit.html", context)

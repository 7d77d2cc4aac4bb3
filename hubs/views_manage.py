"""The hub team's workspace: dashboard, partners, leadership team, team, audit trail.

Every view takes the hub from ``hub_team_required`` (outsiders get a 404) and
fetches children through it. Writes happen in one transaction with their
audit entry, then redirect with a message.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hubs.access import hub_team_required, user_hubs
from hubs.audit import audit_record, history, snapshot
from hubs.forms import (
    HubContactForm,
    LeadershipTeamMemberForm,
    PartnershipAddForm,
    PartnershipEndForm,
    SchoolSearchForm,
    TeamAddForm,
    TeamRoleForm,
)
from hubs.models import (
    Hub,
    HubMembership,
    LeadershipTeamMember,
    Organisation,
    Partnership,
    School,
)
from hubs.services import (
    TeamChangeRefused,
    membership_add,
    membership_remove,
    membership_role_change,
    partnership_add,
)
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.forms import parse_id
from workgroups.models import Enrolment, Session, WorkGroup

UPCOMING_SESSIONS = 10
SCHOOLS_SHOWN = 20

PARTNERSHIP_FIELDS = [
    "role",
    "school",
    "organisation",
    "recorded_name",
    "status",
    "start_date",
    "end_date",
]
LEADER_FIELDS = ["name", "role", "email", "display_order"]
CONTACT_FIELDS = ["contact_email", "website"]


@login_required
def my_hubs(request):
    """/manage/: straight to the workspace of a one-hub team, else a choice."""
    hubs = list(user_hubs(request.user))
    if len(hubs) == 1:
        return redirect("manage-hubs:dashboard", hub_slug=hubs[0].slug)
    return render(request, "manage/hubs/my_hubs.html", {"hubs": hubs})


# --- Who may do what --------------------------------------------------------


def _team_role(user, hub: Hub) -> str | None:
    return HubMembership.objects.filter(hub=hub, user=user).values_list("role", flat=True).first()


def _permissions(user, hub: Hub) -> dict[str, bool]:
    """What the page may offer: the server checks again on every write."""
    if user.is_superuser:
        return {"is_lead": True, "can_manage_team": True}
    role = _team_role(user, hub)
    is_lead = role == HubMembership.Role.LEAD
    # As in hubs.access: NCETM staff grant roles unless they are on the team.
    return {
        "is_lead": is_lead,
        "can_manage_team": is_lead or (role is None and user.is_ncetm_staff),
    }


def _require_lead(request, hub: Hub) -> None:
    """For the pages that only show a lead's form: writes are checked by hub_team_required."""
    if not _permissions(request.user, hub)["is_lead"]:
        raise PermissionDenied("Only the hub's leads can do this.")


# --- Dashboard --------------------------------------------------------------


@hub_team_required
def dashboard(request, hub):
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
        .order_by("starts_at", "pk")[:UPCOMING_SESSIONS]
    )
    context = {
        "hub": hub,
        "year_label": academic_year_label(year),
        "figures": figures,
        "sessions": sessions,
    }
    return render(request, "manage/hubs/dashboard.html", context)


# --- Partners, leadership team and contact details ---------------------------


def _partnership_state(partnership: Partnership) -> dict:
    return snapshot(partnership, PARTNERSHIP_FIELDS) | {"partner": partnership.partner_name}


def _partnership_phase(partnership: Partnership, today: date) -> str:
    if partnership.end_date is not None and partnership.end_date < today:
        return "ended"
    if partnership.start_date is not None and partnership.start_date > today:
        return "future"
    return "current"


@hub_team_required
def partners(request, hub):
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
        **_permissions(request.user, hub),
    }
    return render(request, "manage/hubs/partners.html", context)


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


def _add_partnership(hub: Hub, user, data: dict) -> Partnership:
    with transaction.atomic():
        organisation = data["organisation"]
        if data["school"] is None and organisation is None:
            organisation, created = Organisation.objects.get_or_create(
                name=data["new_organisation_name"],
                defaults={"kind": data["new_organisation_kind"] or Organisation.Kind.OTHER},
            )
            if created:
                audit_record(
                    hub=hub,
                    user=user,
                    action="organisation.add",
                    target=organisation,
                    after=snapshot(organisation, ["name", "kind"]),
                )
        partnership = partnership_add(
            hub=hub,
            role=data["role"],
            school=data["school"],
            organisation=organisation,
            start_date=data["start_date"],
            status=data["status"],
        )
        audit_record(
            hub=hub,
            user=user,
            action="partnership.add",
            target=partnership,
            after=_partnership_state(partnership),
        )
    return partnership


@hub_team_required(lead=True)
def partner_add(request, hub):
    """Add a partner: a school found by a GET search (no JavaScript), or an organisation."""
    if request.method == "GET":
        _require_lead(request, hub)
    params = request.POST if request.method == "POST" else request.GET
    search = SchoolSearchForm(params)
    query = search.cleaned_data["school_q"] if search.is_valid() else ""

    if request.method == "POST":
        form = PartnershipAddForm(request.POST, hub=hub)
        if form.is_valid():
            try:
                partnership = _add_partnership(hub, request.user, form.cleaned_data)
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
                return redirect("manage-hubs:partners", hub_slug=hub.slug)
    else:
        form = PartnershipAddForm(hub=hub, initial={"start_date": timezone.localdate()})

    chosen = form["school"].value()
    schools, found, more = school_choices(query, chosen)
    context = {
        "hub": hub,
        "form": form,
        "search": search,
        "query": query,
        "schools": schools,
        "found": found,
        "more": more,
        "shown": SCHOOLS_SHOWN,
        "chosen": "" if chosen is None else str(chosen),
    }
    return render(request, "manage/hubs/partner_add.html", context)


@hub_team_required(lead=True)
def partner_end(request, hub, pk: int):
    if request.method == "GET":
        _require_lead(request, hub)
    partnership = get_object_or_404(
        Partnership.objects.select_related("school", "organisation"), hub=hub, pk=pk
    )
    if _partnership_phase(partnership, timezone.localdate()) == "ended":
        messages.error(
            request, f"The partnership with {partnership.partner_name} has already ended."
        )
        return redirect("manage-hubs:partners", hub_slug=hub.slug)

    if request.method == "POST":
        form = PartnershipEndForm(request.POST, partnership=partnership)
        if form.is_valid():
            with transaction.atomic():
                before = _partnership_state(partnership)
                partnership.end_date = form.cleaned_data["end_date"]
                partnership.save(update_fields=["end_date"])
                audit_record(
                    hub=hub,
                    user=request.user,
                    action="partnership.end",
                    target=partnership,
                    before=before,
                    after=_partnership_state(partnership),
                )
            messages.success(
                request,
                f"The partnership with {partnership.partner_name} ends on "
                f"{partnership.end_date:%-d %B %Y}.",
            )
            return redirect("manage-hubs:partners", hub_slug=hub.slug)
    else:
        form = PartnershipEndForm(partnership=partnership)
    return render(
        request,
        "manage/hubs/partner_end.html",
        {"hub": hub, "partnership": partnership, "form": form},
    )


@hub_team_required(lead=True)
def leader_add(request, hub):
    if request.method == "GET":
        _require_lead(request, hub)
    form = LeadershipTeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            leader = form.save(commit=False)
            leader.hub = hub
            leader.save()
            audit_record(
                hub=hub,
                user=request.user,
                action="leader.add",
                target=leader,
                after=snapshot(leader, LEADER_FIELDS),
            )
        messages.success(request, f"{leader.name} is now on the leadership team.")
        return redirect("manage-hubs:partners", hub_slug=hub.slug)
    return render(
        request, "manage/hubs/leader_form.html", {"hub": hub, "form": form, "leader": None}
    )


@hub_team_required(lead=True)
def leader_edit(request, hub, pk: int):
    if request.method == "GET":
        _require_lead(request, hub)
    leader = get_object_or_404(LeadershipTeamMember, hub=hub, pk=pk)
    before = snapshot(leader, LEADER_FIELDS)
    form = LeadershipTeamMemberForm(request.POST or None, instance=leader)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("manage-hubs:partners", hub_slug=hub.slug)
        with transaction.atomic():
            form.instance.save(update_fields=form.changed_data)
            audit_record(
                hub=hub,
                user=request.user,
                action="leader.change",
                target=leader,
                before=before,
                after=snapshot(leader, LEADER_FIELDS),
            )
        messages.success(request, f"The entry for {leader.name} is saved.")
        return redirect("manage-hubs:partners", hub_slug=hub.slug)
    return render(
        request, "manage/hubs/leader_form.html", {"hub": hub, "form": form, "leader": leader}
    )


@hub_team_required(lead=True)
@require_POST
def leader_remove(request, hub, pk: int):
    leader = get_object_or_404(LeadershipTeamMember, hub=hub, pk=pk)
    with transaction.atomic():
        audit_record(
            hub=hub,
            user=request.user,
            action="leader.remove",
            target=leader,
            before=snapshot(leader, LEADER_FIELDS),
        )
        leader.delete()
    messages.success(request, f"{leader.name} is no longer on the leadership team.")
    return redirect("manage-hubs:partners", hub_slug=hub.slug)


@hub_team_required(lead=True)
def contact_edit(request, hub):
    if request.method == "GET":
        _require_lead(request, hub)
    before = snapshot(hub, CONTACT_FIELDS)
    form = HubContactForm(request.POST or None, instance=hub)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("manage-hubs:partners", hub_slug=hub.slug)
        with transaction.atomic():
            form.instance.save(update_fields=form.changed_data)
            audit_record(
                hub=hub,
                user=request.user,
                action="hub.contact",
                target=hub,
                before=before,
                after=snapshot(hub, CONTACT_FIELDS),
            )
        messages.success(request, "The hub's contact details are saved.")
        return redirect("manage-hubs:partners", hub_slug=hub.slug)
    return render(request, "manage/hubs/contact_form.html", {"hub": hub, "form": form})


# --- Team -------------------------------------------------------------------
# The changes themselves (the last-lead rule, the audit entries) are the
# services' (hubs/services.py), shared with the grant_hub_role command.


def _render_team(request, hub: Hub, form: TeamAddForm):
    memberships = hub.memberships.select_related("user").order_by(
        "role", "user__full_name", "user__email"
    )
    context = {
        "hub": hub,
        "memberships": memberships,
        "form": form,
        "role_choices": HubMembership.Role.choices,
        **_permissions(request.user, hub),
    }
    return render(request, "manage/hubs/team.html", context)


@hub_team_required
def team(request, hub):
    return _render_team(request, hub, TeamAddForm(hub=hub))


@hub_team_required(lead=True, national=True)
@require_POST
def team_add(request, hub):
    form = TeamAddForm(request.POST, hub=hub)
    if not form.is_valid():
        return _render_team(request, hub, form)
    try:
        membership = membership_add(
            hub=hub, user=form.user, role=form.cleaned_data["role"], by=request.user
        )
    except TeamChangeRefused as refusal:
        # Someone else added them since the form checked.
        form.add_error("email", str(refusal))
        return _render_team(request, hub, form)
    messages.success(
        request,
        f"{form.user.get_full_name()} is now on the team as "
        f"{membership.get_role_display().lower()}.",
    )
    return redirect("manage-hubs:team", hub_slug=hub.slug)


@hub_team_required(lead=True, national=True)
@require_POST
def team_role(request, hub, pk: int):
    membership = get_object_or_404(
        HubMembership.objects.select_related("user", "hub"), hub=hub, pk=pk
    )
    form = TeamRoleForm(request.POST)
    name = membership.user.get_full_name()
    if not form.is_valid():
        messages.error(request, f"Choose a role from the list for {name}.")
        return redirect("manage-hubs:team", hub_slug=hub.slug)
    try:
        changed = membership_role_change(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except TeamChangeRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("manage-hubs:team", hub_slug=hub.slug)
    role = membership.get_role_display().lower()
    if changed:
        messages.success(request, f"{name} is now {role}.")
    else:
        messages.info(request, f"{name} is already {role}.")
    return redirect("manage-hubs:team", hub_slug=hub.slug)


@hub_team_required(lead=True, national=True)
@require_POST
def team_remove(request, hub, pk: int):
    membership = get_object_or_404(
        HubMembership.objects.select_related("user", "hub"), hub=hub, pk=pk
    )
    name = membership.user.get_full_name()
    try:
        membership_remove(membership=membership, by=request.user)
    except TeamChangeRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("manage-hubs:team", hub_slug=hub.slug)
    messages.success(request, f"{name} is no longer on the team.")
    if membership.user_id == request.user.pk and not (
        request.user.is_ncetm_staff or request.user.is_superuser
    ):
        # They have just left the team: the workspace is no longer theirs.
        return redirect("manage-home")
    return redirect("manage-hubs:team", hub_slug=hub.slug)


# --- Change history ---------------------------------------------------------


@hub_team_required
def audit(request, hub):
    page = history(hub, request.GET.get("page"))
    context = {
        "hub": hub,
        "page": page,
        "entries": page.object_list,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }
    return render(request, "manage/hubs/audit.html", context)

"""The hub team's workspace: dashboard, partners, leadership team, team, audit trail.

Every view takes the hub from ``hub_team_required`` (outsiders get a 404) and
fetches children through it. Writes happen in one transaction with their
audit entry, then redirect with a message.
"""

from datetime import date

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hubs.access import hub_team_required, user_hubs
from hubs.audit import audit_record, snapshot
from hubs.forms import (
    HubContactForm,
    LeadershipTeamMemberForm,
    PartnershipAddForm,
    PartnershipEndForm,
    TeamAddForm,
    TeamRoleForm,
)
from hubs.models import (
    AuditEntry,
    Hub,
    HubMembership,
    LeadershipTeamMember,
    Organisation,
    Partnership,
)
from hubs.school_picker import SchoolSearchForm
from hubs.services import (
    TeamChangeRefused,
    membership_add,
    membership_remove,
    membership_role_change,
    partnership_add,
)
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from workgroups.models import Enrolment, Session, WorkGroup

UPCOMING_SESSIONS = 10
AUDIT_PER_PAGE = 50

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

    context = {"hub": hub, "form": form, **search.picker(form["school"])}
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
def audit(request, hub):
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

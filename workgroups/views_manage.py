"""The hub team's Work Groups: the list, creating and describing them, places, export.

Sessions, attendance, e-mail and the evaluation are in
workgroups/views_manage_sessions.py.

Every view is behind hub_team_required: the hub's team (leads and members)
may change things, NCETM staff may only read. A Work Group is always fetched
through the hub, and a session through its Work Group, so another hub's ids
are simply not found. hub_team_required sits above require_POST/require_safe:
outsiders are refused (404, or the log-in page) before a wrong method says 405.
"""

from django.contrib import messages
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from hubs.access import hub_team_required
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.csv_export import csv_response
from hubs_portal.lib.forms import YearForm
from workgroups import services
from workgroups.forms import (
    CompletionForm,
    PlacesForm,
    WorkGroupForm,
)
from workgroups.models import (
    Attendance,
    Enrolment,
    ParticipantMessage,
    WorkGroup,
)
from workgroups.services import (
    WorkGroupChangeRefused,
    enrolments_complete,
    participants,
    workgroup_close,
    workgroup_publish,
    workgroup_set_capacity,
    workgroup_update,
)


def hub_workgroup(hub, pk: int, queryset=None) -> WorkGroup:
    workgroup = get_object_or_404(
        (queryset if queryset is not None else WorkGroup.objects).select_related("programme"),
        hub=hub,
        pk=pk,
    )
    workgroup.hub = hub  # already fetched: templates and services need no query for it
    return workgroup


def detail_url(hub, workgroup: WorkGroup, anchor: str = "") -> str:
    url = reverse("manage-workgroups:detail", args=[hub.slug, workgroup.pk])
    return f"{url}#{anchor}" if anchor else url


# --- The list ---------------------------------------------------------------


@hub_team_required
@require_safe
def workgroup_list(request, access):
    """The hub's Work Groups of one academic year, every status, with places and waiting lists.

    Queries: the years the hub has Work Groups in; the Work Groups with their
    programme and a count of their waiting lists.
    """
    hub = access.hub
    this_year = current_academic_year()
    years = set(
        WorkGroup.objects.filter(hub=hub)
        .order_by()
        .values_list("academic_year", flat=True)
        .distinct()
    )
    form = YearForm(request.GET or None, years={*years, this_year})
    year = form.cleaned_data["year"] if form.is_valid() else this_year
    workgroups = (
        WorkGroup.objects.filter(hub=hub, academic_year=year)
        .select_related("programme")
        .annotate(
            waiting_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING))
        )
        .order_by(F("starts_on").asc(nulls_last=True), "title", "pk")
    )
    return render(
        request,
        "manage/workgroups/list.html",
        {
            "hub": hub,
            "form": form,
            "year": year,
            "year_label": academic_year_label(year),
            "workgroups": workgroups,
        },
    )


# --- Creating and describing ------------------------------------------------


@hub_team_required
def workgroup_create(request, access):
    hub = access.hub
    form = WorkGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workgroup = services.workgroup_create(
                hub=hub,
                user=request.user,
                workgroup=form.save(commit=False),
                phases=form.cleaned_data["phases"],
            )
        except WorkGroupChangeRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"{workgroup.title} has been saved as a draft. Add its sessions, then publish it "
                "when it is ready for teachers to apply.",
            )
            return redirect(detail_url(hub, workgroup))
    return render(
        request,
        "manage/workgroups/form.html",
        {
            "hub": hub,
            "form": form,
            "workgroup": None,
        },
    )


@hub_team_required
def workgroup_edit(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk, WorkGroup.objects.prefetch_related("phases"))
    form = WorkGroupForm(request.POST or None, instance=workgroup)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields if name != "phases"}
        workgroup_update(
            workgroup=workgroup,
            user=request.user,
            fields=fields,
            phases=form.cleaned_data["phases"],
        )
        messages.success(request, f"Your changes to {fields['title']} have been saved.")
        return redirect(detail_url(hub, workgroup))
    return render(
        request,
        "manage/workgroups/form.html",
        {
            "hub": hub,
            "form": form,
            "workgroup": workgroup,
        },
    )


@hub_team_required
@require_POST
def publish(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    try:
        workgroup_publish(workgroup_id=workgroup.pk, user=request.user)
    except WorkGroupChangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{workgroup.title} is published: teachers can now see it and apply."
        )
    return redirect(detail_url(hub, workgroup))


@hub_team_required
@require_POST
def close(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    try:
        workgroup_close(workgroup_id=workgroup.pk, user=request.user)
    except WorkGroupChangeRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(detail_url(hub, workgroup))
    messages.success(
        request,
        f"{workgroup.title} is closed to new applications. Now please write its evaluation.",
    )
    return redirect("manage-workgroups:evaluation", hub_slug=hub.slug, pk=workgroup.pk)


# --- The group's page: places, participants, waiting list -------------------


def _detail(request, hub, workgroup_pk: int, *, places_form=None, completion_form=None):
    """The group's page. Queries: the group with its programme and evaluation; its
    phases; its sessions with attendance counts; its live enrolments with teachers,
    schools and waiting positions; the last few messages sent."""
    workgroup = hub_workgroup(
        hub,
        workgroup_pk,
        WorkGroup.objects.select_related("evaluation").prefetch_related("phases"),
    )
    sessions = list(
        workgroup.sessions.annotate(
            recorded=Count("attendance"),
            present=Count("attendance", filter=Q(attendance__present=True)),
        ).order_by("order")
    )
    enrolments = list(
        workgroup.enrolments.exclude(status=Enrolment.Status.WITHDRAWN)
        .with_waiting_position()
        .select_related("teacher", "school")
        .order_by("requested_at", "pk")
    )
    holding = [e for e in enrolments if e.status in Enrolment.HOLDS_PLACE]
    holding.sort(key=lambda e: (e.teacher.full_name.lower(), e.teacher.email, e.pk))
    waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITING]
    confirmed = [e for e in holding if e.status == Enrolment.Status.CONFIRMED]
    sent = list(
        ParticipantMessage.objects.filter(workgroup=workgroup).select_related("sent_by")[:5]
    )
    completion_form = completion_form or CompletionForm(enrolments=confirmed)
    # Each confirmed participant's row carries its tick box.
    boxes = {int(box.data["value"]): box for box in completion_form["enrolments"]}
    rows = [{"enrolment": e, "choice": boxes.get(e.pk)} for e in holding]
    context = {
        "hub": hub,
        "workgroup": workgroup,
        "evaluation": getattr(workgroup, "evaluation", None),
        "sessions": sessions,
        "participants": holding,
        "participant_rows": rows,
        "waiting": waiting,
        "completed_count": len(holding) - len(confirmed),
        "sent_messages": sent,
        "places_form": places_form or PlacesForm(initial={"capacity": workgroup.capacity}),
        "completion_form": completion_form,
    }
    return render(request, "manage/workgroups/detail.html", context)


@hub_team_required
@require_safe
def workgroup_detail(request, access, pk: int):
    hub = access.hub
    return _detail(request, hub, pk)


@hub_team_required
@require_POST
def places(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    form = PlacesForm(request.POST)
    if form.is_valid():
        capacity = form.cleaned_data["capacity"]
        try:
            promoted = workgroup_set_capacity(
                workgroup_id=workgroup.pk, capacity=capacity, user=request.user
            )
        except WorkGroupChangeRefused as refusal:
            form.add_error("capacity", str(refusal))
        else:
            text = f"{workgroup.title} now has {capacity} place{'s' if capacity != 1 else ''}."
            if promoted:
                count = len(promoted)
                text += (
                    f" {count} teacher{' was' if count == 1 else 's were'} given a place from "
                    "the waiting list, and we have e-mailed them."
                )
            messages.success(request, text)
            return redirect(detail_url(hub, workgroup, "places"))
    return _detail(request, hub, pk, places_form=form)


@hub_team_required
@require_POST
def completion(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    confirmed = list(
        workgroup.enrolments.filter(status=Enrolment.Status.CONFIRMED).select_related("teacher")
    )
    form = CompletionForm(request.POST, enrolments=confirmed)
    if not form.is_valid():
        return _detail(request, hub, pk, completion_form=form)
    count = enrolments_complete(
        workgroup_id=workgroup.pk,
        enrolment_ids=set(form.cleaned_data["enrolments"]),
        user=request.user,
    )
    messages.success(
        request,
        f"{count} teacher{' has' if count == 1 else 's have'} been marked as having completed "
        f"{workgroup.title}.",
    )
    return redirect(detail_url(hub, workgroup, "participants"))


# --- Export -------------------------------------------------------------------


@hub_team_required
@require_safe
def export_csv(request, access, pk: int):
    """One row per participant, one column per session: present, absent or blank.

    Queries: the group, its sessions, its participants with their schools, the
    attendance recorded for them.
    """
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    sessions = list(workgroup.sessions.order_by("order"))
    people = list(participants(workgroup))
    marks = {
        (session_id, enrolment_id): present
        for session_id, enrolment_id, present in Attendance.objects.filter(
            session__workgroup=workgroup
        ).values_list("session_id", "enrolment_id", "present")
    }

    heading = [
        "Name",
        "E-mail",
        "School",
        "URN",
        "Status",
        *(f"Session {s.order} ({timezone.localtime(s.starts_at):%-d %b %Y})" for s in sessions),
        "Sessions attended",
    ]
    rows = []
    for enrolment in people:
        row_marks = [marks.get((s.pk, enrolment.pk)) for s in sessions]
        school = enrolment.school
        rows.append(
            [
                enrolment.teacher.get_full_name(),
                "" if enrolment.teacher.is_deleted else enrolment.teacher.email,
                school.name if school else "",
                school.urn if school else "",
                enrolment.get_status_display(),
                *("" if m is None else ("present" if m else "absent") for m in row_marks),
                sum(1 for m in row_marks if m),
            ]
        )

    filename = f"{workgroup.slug}-participants-{timezone.localdate():%Y-%m-%d}.csv"
    response = csv_response([heading, *rows], filename=filename)
    # Teachers' names and e-mail addresses: not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response

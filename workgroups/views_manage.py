"""The hub team's Work Groups: create and run them, places, sessions, attendance, e-mail.

Every view is behind hub_team_required: the hub's team (leads and members)
may change things, NCETM staff may only read. A Work Group is always fetched
through the hub, and a session through its Work Group, so another hub's ids
are simply not found. hub_team_required sits above require_POST/require_safe:
outsiders are refused (404, or the log-in page) before a wrong method says 405.
"""

import csv
import io

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count, F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from hubs.access import hub_team_required
from hubs.models import HubMembership
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.forms import YearForm, parse_id
from workgroups import services
from workgroups.forms import (
    AttendanceForm,
    CompletionForm,
    EvaluationForm,
    ParticipantMessageForm,
    PlacesForm,
    SessionForm,
    WorkGroupForm,
)
from workgroups.models import (
    Attendance,
    Enrolment,
    ParticipantMessage,
    Session,
    WorkGroup,
)
from workgroups.services import (
    WorkGroupChangeRefused,
    attendance_record,
    enrolments_complete,
    evaluation_save,
    participants,
    participants_message_send,
    session_save,
    workgroup_close,
    workgroup_publish,
    workgroup_set_capacity,
    workgroup_update,
)

# A spreadsheet runs a cell beginning with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _can_change(user, hub) -> bool:
    """Whether to offer the forms that change things (hub_team_required enforces it).

    Only NCETM staff can read without being on the team, so only they cost a query.
    """
    if user.is_superuser or not user.is_ncetm_staff:
        return True
    return HubMembership.objects.filter(hub=hub, user=user).exists()


def _workgroup(hub, pk: int, queryset=None) -> WorkGroup:
    workgroup = get_object_or_404(
        (queryset if queryset is not None else WorkGroup.objects).select_related("programme"),
        hub=hub,
        pk=pk,
    )
    workgroup.hub = hub  # already fetched: templates and services need no query for it
    return workgroup


def _session(workgroup: WorkGroup, session_pk: int) -> Session:
    return get_object_or_404(Session, workgroup=workgroup, pk=session_pk)


def _detail_url(hub, workgroup: WorkGroup, anchor: str = "") -> str:
    url = reverse("manage-workgroups:detail", args=[hub.slug, workgroup.pk])
    return f"{url}#{anchor}" if anchor else url


# --- The list ---------------------------------------------------------------


@hub_team_required
@require_safe
def workgroup_list(request, hub):
    """The hub's Work Groups of one academic year, every status, with places and waiting lists.

    Queries: the years the hub has Work Groups in; the Work Groups with their
    programme and a count of their waiting lists.
    """
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
            "can_change": _can_change(request.user, hub),
        },
    )


# --- Creating and describing ------------------------------------------------


@hub_team_required
def workgroup_create(request, hub):
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
            return redirect(_detail_url(hub, workgroup))
    return render(
        request,
        "manage/workgroups/form.html",
        {
            "hub": hub,
            "form": form,
            "workgroup": None,
            "can_change": _can_change(request.user, hub),
        },
    )


@hub_team_required
def workgroup_edit(request, hub, pk: int):
    workgroup = _workgroup(hub, pk, WorkGroup.objects.prefetch_related("phases"))
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
        return redirect(_detail_url(hub, workgroup))
    return render(
        request,
        "manage/workgroups/form.html",
        {
            "hub": hub,
            "form": form,
            "workgroup": workgroup,
            "can_change": _can_change(request.user, hub),
        },
    )


@hub_team_required
@require_POST
def publish(request, hub, pk: int):
    workgroup = _workgroup(hub, pk)
    try:
        workgroup_publish(workgroup_id=workgroup.pk, user=request.user)
    except WorkGroupChangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{workgroup.title} is published: teachers can now see it and apply."
        )
    return redirect(_detail_url(hub, workgroup))


@hub_team_required
@require_POST
def close(request, hub, pk: int):
    workgroup = _workgroup(hub, pk)
    try:
        workgroup_close(workgroup_id=workgroup.pk, user=request.user)
    except WorkGroupChangeRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(_detail_url(hub, workgroup))
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
    workgroup = _workgroup(
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
        "can_change": _can_change(request.user, hub),
    }
    return render(request, "manage/workgroups/detail.html", context)


@hub_team_required
@require_safe
def workgroup_detail(request, hub, pk: int):
    return _detail(request, hub, pk)


@hub_team_required
@require_POST
def places(request, hub, pk: int):
    workgroup = _workgroup(hub, pk)
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
            return redirect(_detail_url(hub, workgroup, "places"))
    return _detail(request, hub, pk, places_form=form)


@hub_team_required
@require_POST
def completion(request, hub, pk: int):
    workgroup = _workgroup(hub, pk)
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
    return redirect(_detail_url(hub, workgroup, "participants"))


# --- Sessions -----------------------------------------------------------------


def _session_form_page(request, hub, workgroup, session):
    initial = {}
    if session.pk is None:
        last = workgroup.sessions.order_by("-order").values_list("order", flat=True).first()
        initial["order"] = (last or 0) + 1
    form = SessionForm(request.POST or None, instance=session, workgroup=workgroup, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session_save(workgroup=workgroup, session=form.save(commit=False), user=request.user)
        except IntegrityError:
            # Two people numbering a session alike at the same moment.
            form.add_error(
                "order",
                f"This Work Group already has a session {form.cleaned_data['order']}. "
                "Choose another number.",
            )
        else:
            messages.success(request, f"Session {session.order} has been saved.")
            return redirect(_detail_url(hub, workgroup, "sessions"))
    return render(
        request,
        "manage/workgroups/session_form.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "session": session,
            "form": form,
            "can_change": _can_change(request.user, hub),
        },
    )


@hub_team_required
def session_create(request, hub, pk: int):
    workgroup = _workgroup(hub, pk)
    return _session_form_page(request, hub, workgroup, Session(workgroup=workgroup))


@hub_team_required
def session_edit(request, hub, pk: int, session_pk: int):
    workgroup = _workgroup(hub, pk)
    return _session_form_page(request, hub, workgroup, _session(workgroup, session_pk))


@hub_team_required
def session_delete(request, hub, pk: int, session_pk: int):
    workgroup = _workgroup(hub, pk)
    session = _session(workgroup, session_pk)
    if request.method == "POST":
        try:
            services.session_delete(session=session, user=request.user)
        except WorkGroupChangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"Session {session.order} has been deleted.")
        return redirect(_detail_url(hub, workgroup, "sessions"))
    return render(
        request,
        "manage/workgroups/session_delete.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "session": session,
            "can_change": _can_change(request.user, hub),
        },
    )


@hub_team_required
def attendance(request, hub, pk: int, session_pk: int):
    """Tick who came; saving records every participant as present or absent.

    Queries: the group, the session, the participants with their schools, the
    attendance already recorded for the session.
    """
    workgroup = _workgroup(hub, pk)
    session = _session(workgroup, session_pk)
    people = list(participants(workgroup))
    recorded = dict(
        Attendance.objects.filter(session=session).values_list("enrolment_id", "present")
    )
    form = AttendanceForm(
        request.POST or None,
        enrolments=people,
        initial={"enrolments": [pk for pk, present in recorded.items() if present]},
    )
    if request.method == "POST" and form.is_valid():
        present = attendance_record(
            session=session, present_ids=set(form.cleaned_data["enrolments"]), user=request.user
        )
        messages.success(
            request,
            f"Attendance for session {session.order} has been saved: {present} of "
            f"{len(people)} present.",
        )
        return redirect(_detail_url(hub, workgroup, "sessions"))
    ticked = {parse_id(value) for value in form["enrolments"].value() or []} - {None}
    rows = [
        {"enrolment": e, "ticked": e.pk in ticked, "recorded": recorded.get(e.pk)} for e in people
    ]
    return render(
        request,
        "manage/workgroups/attendance.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "session": session,
            "form": form,
            "rows": rows,
            "already_recorded": bool(recorded),
            "can_change": _can_change(request.user, hub),
        },
    )


# --- Export -------------------------------------------------------------------


def _cell(value) -> str:
    """A spreadsheet cell that cannot run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@hub_team_required
@require_safe
def export_csv(request, hub, pk: int):
    """One row per participant, one column per session: present, absent or blank.

    Queries: the group, its sessions, its participants with their schools, the
    attendance recorded for them.
    """
    workgroup = _workgroup(hub, pk)
    sessions = list(workgroup.sessions.order_by("order"))
    people = list(participants(workgroup))
    marks = {
        (session_id, enrolment_id): present
        for session_id, enrolment_id, present in Attendance.objects.filter(
            session__workgroup=workgroup
        ).values_list("session_id", "enrolment_id", "present")
    }

    buffer = io.StringIO()
    # The byte order mark makes Excel read the file as UTF-8 (names with accents).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "Name",
            "E-mail",
            "School",
            "URN",
            "Status",
            *(f"Session {s.order} ({timezone.localtime(s.starts_at):%-d %b %Y})" for s in sessions),
            "Sessions attended",
        ]
    )
    for enrolment in people:
        row_marks = [marks.get((s.pk, enrolment.pk)) for s in sessions]
        school = enrolment.school
        writer.writerow(
            [
                _cell(value)
                for value in [
                    enrolment.teacher.get_full_name(),
                    "" if enrolment.teacher.is_deleted else enrolment.teacher.email,
                    school.name if school else "",
                    school.urn if school else "",
                    enrolment.get_status_display(),
                    *("" if m is None else ("present" if m else "absent") for m in row_marks),
                    sum(1 for m in row_marks if m),
                ]
            ]
        )

    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{workgroup.slug}-participants-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Teachers' names and e-mail addresses: not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


# --- E-mail and evaluation --------------------------------------------------


@hub_team_required
def message(request, hub, pk: int):
    workgroup = _workgroup(hub, pk)
    form = ParticipantMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = participants_message_send(
                workgroup_id=workgroup.pk,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                include_waiting=form.cleaned_data["include_waiting"],
                user=request.user,
            )
        except WorkGroupChangeRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            count = sent.recipient_count
            messages.success(
                request,
                f"Your message “{sent.subject}” is on its way to {count} "
                f"teacher{'s' if count != 1 else ''}.",
            )
            return redirect(_detail_url(hub, workgroup, "messages"))
    counts = workgroup.enrolments.aggregate(
        holding=Count("pk", filter=Q(status__in=Enrolment.HOLDS_PLACE)),
        waiting=Count("pk", filter=Q(status=Enrolment.Status.WAITING)),
    )
    return render(
        request,
        "manage/workgroups/message.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "form": form,
            "counts": counts,
            "can_change": _can_change(request.user, hub),
        },
    )


@hub_team_required
def evaluation(request, hub, pk: int):
    workgroup = _workgroup(hub, pk, WorkGroup.objects.select_related("evaluation"))
    if workgroup.status != WorkGroup.Status.CLOSED:
        messages.info(request, "Close the Work Group before you write its evaluation.")
        return redirect(_detail_url(hub, workgroup))
    current = getattr(workgroup, "evaluation", None)
    form = EvaluationForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        evaluation_save(
            workgroup_id=workgroup.pk,
            outcomes=form.cleaned_data["outcomes"],
            impact_notes=form.cleaned_data["impact_notes"],
            user=request.user,
        )
        messages.success(request, f"The evaluation of {workgroup.title} has been saved.")
        return redirect(_detail_url(hub, workgroup, "evaluation"))
    counts = workgroup.enrolments.aggregate(
        completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
        holding=Count("pk", filter=Q(status__in=Enrolment.HOLDS_PLACE)),
    )
    return render(
        request,
        "manage/workgroups/evaluation.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "form": form,
            "counts": counts,
            "can_change": _can_change(request.user, hub),
        },
    )

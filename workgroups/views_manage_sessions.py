"""The hub team's Work Groups, continued: sessions, attendance, e-mail, evaluation.

As in workgroups/views_manage.py: every view is behind hub_team_required, the
team changes things and NCETM staff only read; a session is always fetched
through its Work Group, and the Work Group through the hub.
"""

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render

from hubs.access import hub_team_required
from hubs_portal.lib.forms import parse_id
from workgroups import services
from workgroups.forms import AttendanceForm, EvaluationForm, ParticipantMessageForm, SessionForm
from workgroups.models import Attendance, Enrolment, Session, WorkGroup
from workgroups.services import (
    WorkGroupChangeRefused,
    attendance_record,
    evaluation_save,
    participants,
    participants_message_send,
    session_save,
)
from workgroups.views_manage import detail_url, hub_workgroup


def _session(workgroup: WorkGroup, session_pk: int) -> Session:
    return get_object_or_404(Session, workgroup=workgroup, pk=session_pk)


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
            return redirect(detail_url(hub, workgroup, "sessions"))
    return render(
        request,
        "manage/workgroups/session_form.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "session": session,
            "form": form,
        },
    )


@hub_team_required
def session_create(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    return _session_form_page(request, hub, workgroup, Session(workgroup=workgroup))


@hub_team_required
def session_edit(request, access, pk: int, session_pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    return _session_form_page(request, hub, workgroup, _session(workgroup, session_pk))


@hub_team_required
def session_delete(request, access, pk: int, session_pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
    session = _session(workgroup, session_pk)
    if request.method == "POST":
        try:
            services.session_delete(session=session, user=request.user)
        except WorkGroupChangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"Session {session.order} has been deleted.")
        return redirect(detail_url(hub, workgroup, "sessions"))
    return render(
        request,
        "manage/workgroups/session_delete.html",
        {
            "hub": hub,
            "workgroup": workgroup,
            "session": session,
        },
    )


@hub_team_required
def attendance(request, access, pk: int, session_pk: int):
    """Tick who came; saving records every participant as present or absent.

    Queries: the group, the session, the participants with their schools, the
    attendance already recorded for the session.
    """
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
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
        return redirect(detail_url(hub, workgroup, "sessions"))
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
        },
    )


# --- E-mail and evaluation --------------------------------------------------


@hub_team_required
def message(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk)
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
            return redirect(detail_url(hub, workgroup, "messages"))
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
        },
    )


@hub_team_required
def evaluation(request, access, pk: int):
    hub = access.hub
    workgroup = hub_workgroup(hub, pk, WorkGroup.objects.select_related("evaluation"))
    if workgroup.status != WorkGroup.Status.CLOSED:
        messages.info(request, "Close the Work Group before you write its evaluation.")
        return redirect(detail_url(hub, workgroup))
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
        return redirect(detail_url(hub, workgroup, "evaluation"))
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
        },
    )

"""A teacher's own enrolments: join, withdraw, and My Work Groups."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from hubs_portal.lib.urls import absolute_url
from workgroups.models import Enrolment, Session, WorkGroup
from workgroups.services import EnrolmentRefused, enrolment_join, enrolment_withdraw


@require_POST
@login_required
def join(request, slug: str):
    workgroup = get_object_or_404(WorkGroup.objects.published(), slug=slug)
    if not request.user.has_complete_profile:
        messages.info(request, "Please complete your profile before joining a Work Group.")
        query = urlencode({"next": workgroup.get_absolute_url()})
        return redirect(f"{reverse('accounts:profile')}?{query}")
    try:
        enrolment = enrolment_join(workgroup_id=workgroup.pk, teacher=request.user)
    except EnrolmentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if enrolment.status == Enrolment.Status.CONFIRMED:
            messages.success(
                request, f"You have a place on {workgroup.title}. We have e-mailed you the details."
            )
        else:
            messages.success(
                request,
                f"{workgroup.title} is full, so you are on its waiting list. We will e-mail you "
                "if a place comes up.",
            )
    return redirect(workgroup)


@require_POST
@login_required
def withdraw(request, pk: int):
    # Only the teacher's own enrolment: anyone else's id is simply not found.
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("workgroup"), pk=pk, teacher=request.user
    )
    try:
        enrolment_withdraw(enrolment_id=enrolment.pk, teacher=request.user)
    except EnrolmentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"You have withdrawn from {enrolment.workgroup.title}.")
    return redirect("workgroups:mine")


@login_required
def my_workgroups(request):
    now = timezone.now()
    enrolments = list(
        Enrolment.objects.filter(teacher=request.user)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .with_waiting_position()
        .select_related("workgroup__hub")
        .prefetch_related(
            Prefetch("workgroup__sessions", queryset=Session.objects.order_by("order"))
        )
        .order_by("workgroup__starts_on", "pk")
    )
    upcoming, past = [], []
    for enrolment in enrolments:
        if enrolment.status not in Enrolment.HOLDS_PLACE:
            continue
        for session in enrolment.workgroup.sessions.all():
            (upcoming if session.ends_at >= now else past).append((session, enrolment.workgroup))
    upcoming.sort(key=lambda pair: pair[0].starts_at)
    past.sort(key=lambda pair: pair[0].starts_at, reverse=True)
    # From SITE_URL, like every link people copy elsewhere: not the Host header.
    calendar_url = absolute_url(reverse("workgroups:calendar", args=[request.user.calendar_token]))
    return render(
        request,
        "workgroups/my_workgroups.html",
        {
            "enrolments": enrolments,
            "upcoming": upcoming,
            "past": past,
            "calendar_url": calendar_url,
        },
    )

"""The teacher's private iCalendar feed of their sessions."""

import re
from datetime import UTC, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from icalendar import Calendar, Event, vDuration

from accounts.models import User, new_calendar_token
from hubs_portal.lib.urls import site_url
from workgroups.models import Enrolment, Session

CALENDAR_NAME = "Maths Hubs: my Work Group sessions"
PRODID = "-//Maths Hubs portal//Work Group sessions//EN"
# How often calendar apps should fetch the feed again.
REFRESH = timedelta(hours=1)
# What new_calendar_token() makes (URL-safe base64), within the column's 40
# characters. Anything else is no token: it is not looked up (PostgreSQL
# refuses a NUL byte in a query, which would be a 500 rather than a 404).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,40}")


@require_safe
def calendar_feed(request, token: str):
    """One event per session of the Work Groups where the teacher holds a place.

    The token in the URL is the only credential (calendar apps cannot log in),
    so an unknown one gets a plain 404 that says nothing more.

    Queries: the user by token; the sessions with their Work Groups.
    """
    user = None
    if TOKEN_SHAPE.fullmatch(token):
        user = User.objects.filter(calendar_token=token, is_active=True).only("pk").first()
    if user is None:
        raise Http404("No such calendar.")
    # The partial unique constraint allows one live enrolment per group, so
    # this join yields each session once.
    sessions = list(
        Session.objects.filter(
            workgroup__enrolments__teacher=user,
            workgroup__enrolments__status__in=Enrolment.HOLDS_PLACE,
        )
        .select_related("workgroup")
        .order_by("starts_at", "pk")
    )
    # Every session of those groups is here, so the previous session's gap task
    # (the one to bring) needs no query.
    gap_tasks = {(s.workgroup_id, s.order): s.gap_task for s in sessions}

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("name", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # Outlook's name for it
    stamp = timezone.now().astimezone(UTC)
    for session in sessions:
        calendar.add_component(_event(session, gap_tasks, stamp=stamp, site_url=site_url()))

    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maths-hubs-sessions.ics"'
    # The feed is private to whoever holds the link.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


def _event(session: Session, gap_tasks: dict, *, stamp, site_url: str) -> Event:
    workgroup = session.workgroup
    url = f"{site_url}{workgroup.get_absolute_url()}"
    lines = []
    to_bring = gap_tasks.get((workgroup.pk, session.order - 1))
    if to_bring:
        lines.append(f"Gap task to bring (from session {session.order - 1}): {to_bring}")
    if session.gap_task:
        lines.append(f"Gap task to try before the next session: {session.gap_task}")
    lines.append(f"About this Work Group: {url}")

    event = Event()
    # Stable for the session, so calendar apps update the event rather than
    # adding a copy when a time or venue changes.
    event.add("uid", f"session-{session.pk}@mathshubs")
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"{workgroup.title}: session {session.order}")
    if session.where:
        event.add("location", session.where)
    event.add("description", "\n\n".join(lines))
    event.add("url", url)
    return event


@require_POST
@login_required
def calendar_reset(request):
    """Give the teacher a new feed link; the old one stops working at once."""
    request.user.calendar_token = new_calendar_token()
    request.user.save(update_fields=["calendar_token"])
    messages.success(request, "Your calendar link has been changed; the old one no longer works.")
    return redirect("workgroups:mine")

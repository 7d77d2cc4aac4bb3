"""The hub team's newsletter: write and preview issues, send them, export subscribers.

Every view is behind hub_team_required: the team drafts, only leads send.
"""

from datetime import datetime
from itertools import chain

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hubs.access import hub_team_required
from hubs_portal.lib.csv_export import csv_response
from newsletters import services
from newsletters.forms import IssueForm
from newsletters.models import Delivery, Issue, Subscriber
from newsletters.services import (
    IssueSendRefused,
    issue_create,
    issue_send_test,
    issue_update,
)


def _issues(hub):
    """The hub's issues with their progress, counted in the same query."""
    return hub.newsletter_issues.select_related("created_by").annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        handled=Count("deliveries", filter=~Q(deliveries__status=Delivery.Status.PENDING)),
    )


@hub_team_required
def home(request, access):
    hub = access.hub
    counts = hub.newsletter_subscribers.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Subscriber.Status.values}
    )
    context = {
        "hub": hub,
        "issues": _issues(hub),
        "subscriber_counts": counts,
    }
    return render(request, "manage/newsletters/home.html", context)


@hub_team_required
def issue_new(request, access):
    hub = access.hub
    posted = request.method == "POST"
    form = IssueForm(request.POST if posted else None)
    if posted and form.is_valid():
        issue = issue_create(hub=hub, user=request.user, **form.cleaned_data)
        messages.success(request, "Draft saved. This is how it will look.")
        return redirect("manage-newsletters:issue", hub_slug=hub.slug, pk=issue.pk)
    return render(request, "manage/newsletters/issue_form.html", {"hub": hub, "form": form})


@hub_team_required
def issue_edit(request, access, pk: int):
    hub = access.hub
    issue = get_object_or_404(hub.newsletter_issues, pk=pk)
    if issue.status != Issue.Status.DRAFT:
        messages.error(request, "This issue has been sent, so it can no longer be changed.")
        return redirect("manage-newsletters:issue", hub_slug=hub.slug, pk=issue.pk)
    posted = request.method == "POST"
    form = IssueForm(request.POST if posted else None, instance=issue)
    if posted and form.is_valid():
        try:
            issue_update(issue_id=issue.pk, user=request.user, **form.cleaned_data)
        except IssueSendRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Draft saved.")
        return redirect("manage-newsletters:issue", hub_slug=hub.slug, pk=issue.pk)
    context = {"hub": hub, "form": form, "issue": issue}
    return render(request, "manage/newsletters/issue_form.html", context)


@hub_team_required
def issue_detail(request, access, pk: int):
    """The issue as subscribers will see it, with its progress once sending has started."""
    hub = access.hub
    issue = get_object_or_404(_issues(hub), pk=pk)
    _subject, text, _html = issue.render(unsubscribe_url=None)
    context = {"hub": hub, "issue": issue, "preview_text": text}
    return render(request, "manage/newsletters/issue_detail.html", context)


@hub_team_required
@require_POST
def issue_test(request, access, pk: int):
    hub = access.hub
    issue = get_object_or_404(hub.newsletter_issues, pk=pk)
    issue_send_test(issue=issue, user=request.user)
    messages.success(request, f"A test copy is on its way to {request.user.email}.")
    return redirect("manage-newsletters:issue", hub_slug=hub.slug, pk=issue.pk)


@hub_team_required(lead=True)
def issue_send(request, access, pk: int):
    """GET asks the lead to confirm; POST starts sending."""
    hub = access.hub
    issue = get_object_or_404(hub.newsletter_issues, pk=pk)
    if request.method == "POST":
        try:
            issue = services.issue_send(issue_id=issue.pk, user=request.user)
        except IssueSendRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                f"Sending has started to {issue.recipients_count} "
                f"subscriber{'s' if issue.recipients_count != 1 else ''}. "
                "This page shows how far it has got.",
            )
        return redirect("manage-newsletters:issue", hub_slug=hub.slug, pk=issue.pk)
    context = {
        "hub": hub,
        "issue": issue,
        "recipients": hub.newsletter_subscribers.filter(status=Subscriber.Status.CONFIRMED).count(),
    }
    return render(request, "manage/newsletters/issue_send.html", context)


def _local_time(value):
    """A time in the download as the hub reads it, to the minute."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


@hub_team_required
def subscribers_csv(request, access):
    """The hub's subscribers as CSV: personal data, so for the hub's own team only."""
    hub = access.hub
    if access.national:
        raise PermissionDenied("Only the hub's own team can download its subscribers.")
    filename = f"{hub.slug}-newsletter-subscribers-{timezone.localdate():%Y-%m-%d}.csv"
    heading = ["email", "status", "signed_up", "confirmed", "unsubscribed"]
    rows = hub.newsletter_subscribers.order_by("email").values_list(
        "email", "status", "created_at", "confirmed_at", "unsubscribed_at"
    )
    lines = ([_local_time(value) for value in row] for row in rows.iterator(chunk_size=2000))
    # No byte order mark, as before: a tool importing the list could read one
    # as part of the first heading.
    response = csv_response(chain([heading], lines), filename=filename, bom=False)
    response["Cache-Control"] = "no-store"
    return response

"""The hub team's workspace: dashboard, partners, leadership team, team, audit trail."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from hubs.access import hub_team_required, user_hubs


@login_required
def my_hubs(request):
    """/manage/: straight to the workspace of a one-hub team, else a choice."""
    hubs = list(user_hubs(request.user))
    if len(hubs) == 1:
        return redirect("manage:dashboard", hub_slug=hubs[0].slug)
    return render(request, "manage/my_hubs.html", {"hubs": hubs})


@hub_team_required
def dashboard(request, hub):
    return render(request, "manage/dashboard.html", {"hub": hub})

"""Who may open a hub's workspace, checked on the server for every request.

Outsiders get a 404 (the workspace might as well not exist); a team member
asking for a lead's action gets a 403. NCETM staff read every hub's
workspace but change only what the national role allows (team roles).
Before any of this, accounts.mfa.MFARequiredMiddleware has sent team members
and NCETM staff without two-factor authentication to set it up.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hubs.models import Hub, HubMembership

READ_METHODS = {"GET", "HEAD"}


def hub_for_team(
    user, slug: str, *, write: bool, lead: bool = False, national: bool = False
) -> Hub:
    """The hub, if ``user`` may act on it; Http404 or PermissionDenied otherwise.

    ``write``: the request changes something. ``lead``: only the hub's leads
    may do it. ``national``: NCETM staff may do it too (granting roles).
    """
    hub = Hub.objects.filter(slug=slug).first()
    if hub is None or not user.is_authenticated or not user.is_active:
        raise Http404("No such hub workspace.")
    if user.is_superuser:
        return hub
    role = HubMembership.objects.filter(hub=hub, user=user).values_list("role", flat=True).first()
    if role is None:
        if user.is_ncetm_staff and (not write or national):
            return hub
        raise Http404("No such hub workspace.")
    if lead and role != HubMembership.Role.LEAD:
        raise PermissionDenied("Only the hub's leads can do this.")
    return hub


def hub_team_required(view=None, *, lead: bool = False, national: bool = False):
    """Decorate a workspace view taking ``hub_slug``; it is called with ``hub`` instead.

    Reading is open to the hub's team (and NCETM staff); ``lead`` limits
    changes to the hub's leads; ``national`` also lets NCETM staff change.
    """

    def decorator(view_func):
        @login_required
        @wraps(view_func)
        def wrapper(request, hub_slug: str, *args, **kwargs):
            write = request.method not in READ_METHODS
            hub = hub_for_team(
                request.user, hub_slug, write=write, lead=lead and write, national=national
            )
            request.in_hub_workspace = True
            return view_func(request, hub, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def user_hubs(user):
    """The hubs whose workspace the user can open, for the navigation."""
    if user.is_superuser or user.is_ncetm_staff:
        return Hub.objects.order_by("name")
    return Hub.objects.filter(memberships__user=user).order_by("name")

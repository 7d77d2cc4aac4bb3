"""Who may open a hub's workspace, and what they may do there, checked for every request.

Outsiders get a 404 (the workspace might as well not exist); a team member
asking for a lead's action gets a 403. NCETM staff read every hub's
workspace but change only what the national role allows (team roles,
allocations). Before any of this, accounts.mfa.MFARequiredMiddleware has sent
team members and NCETM staff without two-factor authentication to set it up.

``hub_team_required`` works the answer out once, as a ``HubAccess``, and hands
it to the view; the workspace templates read it as ``access`` (see
hubs.context_processors.workspace), so nothing asks the database again.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hubs.models import Hub, HubMembership

READ_METHODS = {"GET", "HEAD"}
LEADS_ONLY = "Only the hub's leads can do this."


@dataclass(frozen=True)
class HubAccess:
    """One person's standing in one hub's workspace.

    ``role`` is their team role, None when they are not on the team (NCETM
    staff reading, or a superuser). NCETM staff on the team act as their role.
    """

    hub: Hub
    user: object
    role: str | None
    superuser: bool = False

    @property
    def is_lead(self) -> bool:
        return self.superuser or self.role == HubMembership.Role.LEAD

    @property
    def is_member(self) -> bool:
        """On the hub's team, as lead or member."""
        return self.role is not None

    @property
    def national(self) -> bool:
        """NCETM staff who are not on the team: they read, and act only nationally."""
        return self.role is None and not self.superuser

    @property
    def may_change(self) -> bool:
        """The team's everyday changes (Work Groups, newsletter drafts): not national readers."""
        return not self.national

    @property
    def lead_or_national(self) -> bool:
        """What views marked ``national=True`` allow: team roles, the hub's allocations."""
        return self.is_lead or self.national

    def require_lead(self, message: str = LEADS_ONLY) -> None:
        """PermissionDenied unless a lead: for the pages that only show a lead's form."""
        if not self.is_lead:
            raise PermissionDenied(message)

    def check(self, *, write: bool, lead: bool = False, national: bool = False) -> None:
        """Http404 or PermissionDenied unless this request is allowed.

        ``write``: the request changes something. ``lead``: only the hub's
        leads may do it. ``national``: NCETM staff may do it too.
        """
        if self.superuser:
            return
        if self.national:
            if write and not national:
                raise Http404("No such hub workspace.")
            return
        if lead and not self.is_lead:
            raise PermissionDenied(LEADS_ONLY)


def hub_access(user, slug: str) -> HubAccess:
    """The user's access to the hub's workspace; Http404 for outsiders."""
    hub = Hub.objects.filter(slug=slug).first()
    if hub is None or not user.is_authenticated or not user.is_active:
        raise Http404("No such hub workspace.")
    if user.is_superuser:
        return HubAccess(hub=hub, user=user, role=None, superuser=True)
    role = HubMembership.objects.filter(hub=hub, user=user).values_list("role", flat=True).first()
    if role is None and not user.is_ncetm_staff:
        raise Http404("No such hub workspace.")
    return HubAccess(hub=hub, user=user, role=role)


def hub_team_required(view=None, *, lead: bool = False, national: bool = False):
    """Decorate a workspace view taking ``hub_slug``; it is called with ``access`` instead.

    Reading is open to the hub's team (and NCETM staff); ``lead`` limits
    changes to the hub's leads; ``national`` also lets NCETM staff change.
    """

    def decorator(view_func):
        @login_required
        @wraps(view_func)
        def wrapper(request, hub_slug: str, *args, **kwargs):
            write = request.method not in READ_METHODS
            access = hub_access(request.user, hub_slug)
            access.check(write=write, lead=lead and write, national=national)
            request.in_hub_workspace = True
            request.hub_access = access
            return view_func(request, access, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def user_hubs(user):
    """The hubs whose workspace the user can open, for the navigation."""
    if user.is_superuser or user.is_ncetm_staff:
        return Hub.objects.order_by("name")
    return Hub.objects.filter(memberships__user=user).order_by("name")

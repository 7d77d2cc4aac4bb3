"""Who may read the network reports, and how much of the network they see.

NCETM staff and superusers see every hub and the national totals. A member of
a hub's team (lead or member) sees their own hub's rows and nothing summed
over hubs they are not on. Everyone else is refused: people who are not
logged in are sent to log in, teachers get a 403, and a hub team asking for
another hub's page gets a 404 (as in the hub workspace). Before any of this,
accounts.mfa.MFARequiredMiddleware has sent readers without two-factor
authentication to set it up.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hubs.models import HubMembership


@dataclass(frozen=True)
class ReportScope:
    """What a reader may see: every hub (``hub_ids`` None) or only some."""

    national: bool
    hub_ids: frozenset[int] | None = None

    def allows(self, hub_id: int) -> bool:
        return self.hub_ids is None or hub_id in self.hub_ids

    def check_hub(self, hub_id: int) -> None:
        """Http404 for a hub outside the scope: the page might as well not exist."""
        if not self.allows(hub_id):
            raise Http404("No such report.")


def report_scope(user) -> ReportScope:
    """The reader's scope; PermissionDenied for anyone who reads no report."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Log in to read the reports.")
    if user.is_superuser or user.is_ncetm_staff:
        return ReportScope(national=True)
    hub_ids = frozenset(HubMembership.objects.filter(user=user).values_list("hub_id", flat=True))
    if not hub_ids:
        raise PermissionDenied("The reports are for NCETM staff and hub teams.")
    return ReportScope(national=False, hub_ids=hub_ids)


def reports_required(view_func):
    """Log-in required; the view is called with the reader's ``scope`` after ``request``."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        return view_func(request, report_scope(request.user), *args, **kwargs)

    return wrapper

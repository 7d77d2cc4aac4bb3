from django.utils.functional import SimpleLazyObject


def workspace(request) -> dict:
    """``workspace_available`` and, on workspace pages, ``access``.

    ``workspace_available``: whether to offer the hub workspace in the header,
    evaluated only when a template asks, and only for people logged in (one
    query); workspace pages already know the answer (hub_team_required).
    ``access``: the hubs.access.HubAccess that hub_team_required worked out,
    for the templates to show or hide what the person may not do.
    """

    def available() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if getattr(request, "in_hub_workspace", False):
            return True
        return user.is_superuser or user.is_ncetm_staff or user.hub_memberships.exists()

    return {
        "workspace_available": SimpleLazyObject(available),
        "access": getattr(request, "hub_access", None),
    }

from django.utils.functional import SimpleLazyObject


def workspace(request) -> dict:
    """``workspace_available``: whether to offer the hub workspace in the header.

    Evaluated only when a template asks, and only for people logged in (one
    query); workspace pages already know the answer (hub_team_required).
    """

    def available() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if getattr(request, "in_hub_workspace", False):
            return True
        return user.is_superuser or user.is_ncetm_staff or user.hub_memberships.exists()

    return {"workspace_available": SimpleLazyObject(available)}

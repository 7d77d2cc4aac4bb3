"""Two-factor authentication for the people who manage things.

Hub team members, NCETM staff and Django staff must have an authenticator app
(allauth's TOTP) before they open any management page: the hub workspace
(/manage/), the reports (/reports/) and the national administration
(/admin/). Without one they are sent to allauth's page that sets it up, with
the reason, whatever the method: a refused POST never reaches its view, so
nothing changes. Afterwards the recovery codes page offers the way back to
where they were going (allauth's activation view takes no ``next``).

Teachers are never asked. Once a user has an authenticator, allauth's log-in
asks for a code (or a recovery code) at every log-in, admin's included
(``secure_admin_login`` sends it to allauth's log-in).
"""

import base64
from functools import cache

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import salted_hmac

from hubs.models import HubMembership

# Where to go once the authenticator is set up, set by the gate: {"url": a
# path on this site, "name": what it is}. The MFA pages show it as a link
# (request.mfa_continue).
NEXT_SESSION_KEY = "accounts.mfa.next"
READ_METHODS = {"GET", "HEAD"}


@cache
def management_areas() -> tuple[tuple[str, str], ...]:
    """(URL prefix, what people call it) for every area that needs two factors."""
    return (
        (reverse("manage-home"), "the hub workspace"),
        (reverse("reports:national"), "the reports"),
        (reverse("admin:index"), "the national administration"),
    )


@cache
def mfa_pages_prefix() -> str:
    return reverse("mfa_index")


def management_area(path: str) -> tuple[str, str] | None:
    """The (prefix, name) of the management area ``path`` is in, if any."""
    for prefix, name in management_areas():
        if path.startswith(prefix):
            return prefix, name
    return None


def must_set_up_totp(request: HttpRequest) -> bool:
    """Whether the user must have an authenticator app but has none.

    True for hub team members, NCETM staff and Django staff or superusers
    without an active TOTP authenticator. One query (both facts at once),
    kept on the request.
    """
    cached = getattr(request, "_mfa_must_set_up_totp", None)
    if cached is not None:
        return cached
    user = request.user
    result = False
    if user.is_authenticated and user.is_active:
        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        team = HubMembership.objects.filter(user=OuterRef("pk"))
        on_team, has_totp = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list(Exists(team), Exists(totp))
            .get()
        )
        national = user.is_staff or user.is_superuser or user.is_ncetm_staff
        result = (national or on_team) and not has_totp
    request._mfa_must_set_up_totp = result
    return result


class MFARequiredMiddleware:
    """Send people who need two factors, and have none, to set them up first.

    Keyed on URL prefixes, so a management view added tomorrow is covered
    without a decorator. Sits after the authentication and message
    middleware; anonymous visitors pass through to the views' own log-in
    redirects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        area = management_area(request.path)
        if area is not None:
            if must_set_up_totp(request):
                return self._refuse(request, *area)
            if request.user.is_authenticated:
                # Through the gate: the way back is no longer needed.
                request.session.pop(NEXT_SESSION_KEY, None)
        elif request.path.startswith(mfa_pages_prefix()) and request.user.is_authenticated:
            request.mfa_continue = request.session.get(NEXT_SESSION_KEY)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, prefix: str, name: str) -> HttpResponse:
        # A refused POST is not replayed: its way back is the area's start.
        back = request.get_full_path() if request.method in READ_METHODS else prefix
        request.session[NEXT_SESSION_KEY] = {"url": back, "name": name}
        messages.warning(
            request,
            "Hub team members and NCETM staff must sign in with two-factor "
            f"authentication. Set up an authenticator app to continue to {name}.",
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp"))


# --- Secrets at rest --------------------------------------------------------------


class MFAAdapter(DefaultMFAAdapter):
    """Stores two-factor secrets (TOTP keys, recovery-code seeds) encrypted.

    A copy of the database (a backup, a leak) then gives no one the codes.
    Fernet (AES with an HMAC) under a key derived from SECRET_KEY; the keys in
    SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY keeps every
    authenticator working (and new secrets use the new key).
    """

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A two-factor secret cannot be decrypted: SECRET_KEY changed without the "
                "old key in SECRET_KEY_FALLBACKS."
            ) from None


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet_for(key) for key in keys])


@cache
def _fernet_for(secret_key: str) -> Fernet:
    digest = salted_hmac(
        "accounts.mfa.MFAAdapter", "fernet", secret=secret_key, algorithm="sha256"
    ).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


# --- Sessions opened with the password alone -----------------------------------


@receiver(authenticator_added, dispatch_uid="accounts.mfa.end_other_sessions")
def _end_other_sessions(sender, request=None, user=None, authenticator=None, **kwargs):
    """Turning two factors on ends the person's other sessions.

    They were opened with the password alone; left open, they would pass the
    gate as soon as the person has an authenticator. The session that just
    proved the code stays.
    """
    from accounts.services import sessions_end

    if authenticator is None or authenticator.type != Authenticator.Type.TOTP:
        return
    keep = request.session.session_key if request is not None else None
    sessions_end(user, keep=keep)

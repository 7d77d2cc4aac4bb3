"""Public newsletter pages: sign up, confirm, unsubscribe. No account needed."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hubs.models import Hub
from newsletters.forms import SubscribeForm
from newsletters.models import Subscriber
from newsletters.ratelimit import rate_limit_exceeded
from newsletters.services import (
    subscriber_confirm,
    subscriber_for_confirm_token,
    subscriber_for_unsubscribe_token,
    subscriber_sign_up,
    subscriber_unsubscribe,
)
from newsletters.tokens import CONFIRM_MAX_AGE, TokenExpired, TokenInvalid

# (attempts, seconds). Per address, so that nobody can flood someone's inbox
# with confirmation e-mails; per IP, so that nobody can try address after address.
SIGN_UPS_PER_IP = (5, 10 * 60)
SIGN_UPS_PER_ADDRESS = (3, 60 * 60)
FORM_PREFIX = "newsletter"


def _client_ip(request) -> str:
    # allauth's reading of the address, so that ALLAUTH_TRUSTED_PROXY_COUNT (or
    # ALLAUTH_TRUSTED_CLIENT_IP_HEADER) behind a proxy serves both rate limits.
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return ""


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request, hub_slug: str):
    """The sign-up form (also on every hub's page). The answer never says whether the
    address was already on the list."""
    hub = get_object_or_404(Hub, slug=hub_slug)
    posted = request.method == "POST"
    form = SubscribeForm(request.POST if posted else None, prefix=FORM_PREFIX)
    rate_limited = False
    if posted:
        limit, period = SIGN_UPS_PER_IP
        rate_limited = rate_limit_exceeded(f"ip:{_client_ip(request)}", limit=limit, period=period)
        if not rate_limited and form.is_valid():
            email = form.cleaned_data["email"]
            limit, period = SIGN_UPS_PER_ADDRESS
            rate_limited = rate_limit_exceeded(
                f"address:{hub.pk}:{email.lower()}", limit=limit, period=period
            )
            if not rate_limited:
                subscriber_sign_up(hub=hub, email=email)
                return redirect("newsletters:subscribe-done", hub_slug=hub.slug)
    context = {"hub": hub, "newsletter_form": form, "rate_limited": rate_limited}
    return render(
        request, "newsletters/subscribe.html", context, status=429 if rate_limited else 200
    )


def subscribe_done(request, hub_slug: str):
    hub = get_object_or_404(Hub, slug=hub_slug)
    return render(
        request,
        "newsletters/subscribe_done.html",
        {"hub": hub, "link_days": CONFIRM_MAX_AGE.days},
    )


def _bad_link(request, error: Exception, *, purpose: str):
    """A link that does not work, with the way to a new one: the hub's sign-up when known."""
    hub = None
    if isinstance(error, TokenExpired) and error.subscriber_id is not None:
        hub = Hub.objects.filter(newsletter_subscribers=error.subscriber_id).first()
    return render(
        request,
        "newsletters/bad_link.html",
        {
            "expired": isinstance(error, TokenExpired),
            "purpose": purpose,
            "hub": hub,
            "link_days": CONFIRM_MAX_AGE.days,
        },
        status=400,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    """GET asks, POST confirms: mail scanners that follow links must not subscribe anyone."""
    try:
        if request.method == "POST":
            subscriber = subscriber_confirm(token=token)
            messages.success(
                request,
                f"Thank you: you will now get {subscriber.hub.name}'s newsletter. Every issue "
                "has a link to unsubscribe.",
            )
            return redirect(subscriber.hub)
        subscriber = subscriber_for_confirm_token(token)
    except (TokenExpired, TokenInvalid) as error:
        return _bad_link(request, error, purpose="confirm")
    return render(
        request,
        "newsletters/confirm.html",
        {
            "subscriber": subscriber,
            "hub": subscriber.hub,
            "confirmed": subscriber.status == Subscriber.Status.CONFIRMED,
        },
    )


# Mail clients send the RFC 8058 one-click POST without cookies or a CSRF
# token; the signed token in the address is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """GET shows a button (link scanners fetch every link); POST unsubscribes at once."""
    try:
        if request.method == "POST":
            subscriber = subscriber_unsubscribe(token=token)
            # A page, not a redirect: a mail client's one-click POST wants a 200.
            return render(request, "newsletters/unsubscribed.html", {"hub": subscriber.hub})
        subscriber = subscriber_for_unsubscribe_token(token)
    except TokenInvalid as error:
        return _bad_link(request, error, purpose="unsubscribe")
    return render(
        request,
        "newsletters/unsubscribe.html",
        {
            "hub": subscriber.hub,
            "email": subscriber.email,
            "already": subscriber.status == Subscriber.Status.UNSUBSCRIBED,
        },
    )

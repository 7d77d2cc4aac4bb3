"""The person's own account: their profile, their data, and deleting the account."""

import json

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.data import user_data
from accounts.forms import DeleteAccountForm, ProfileForm
from accounts.models import User
from accounts.services import (
    AccountDeletionRefused,
    account_delete,
    places_given_up,
    roles_to_hand_over,
)
from hubs.school_picker import SchoolSearchForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Edit the logged-in teacher's profile; there is no one else's to edit.

    The school is found without JavaScript: a GET search lists matching open
    schools as radio buttons, and the POST (which carries the search along,
    to show the same list again if something needs fixing) saves.
    """
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    search = SchoolSearchForm(params, label="Search for your school")
    next_url = _safe_next(request, params.get("next", ""))

    if request.method == "POST":
        form = ProfileForm(request.POST, current_school_id=user.school_id)
        if form.is_valid():
            _save_profile(user, form.cleaned_data)
            messages.success(request, "Your profile is saved.")
            return redirect(next_url or "workgroups:mine")
    else:
        form = ProfileForm(
            initial={
                "full_name": user.full_name,
                "job_role": user.job_role,
                "phases": list(user.phases.values_list("pk", flat=True)),
                "school": user.school_id,
            },
            current_school_id=user.school_id,
        )

    context = {"form": form, **search.picker(form["school"]), "next_url": next_url}
    return render(request, "accounts/profile.html", context)


@transaction.atomic
def _save_profile(user: User, data: dict) -> None:
    user.full_name = data["full_name"]
    user.job_role = data["job_role"]
    user.school = data["school"]
    fields = ["full_name", "job_role", "school"]
    if user.profile_completed_at is None:
        user.profile_completed_at = timezone.now()
        fields.append("profile_completed_at")
    user.save(update_fields=fields)
    user.phases.set(data["phases"])


def _safe_next(request: HttpRequest, url: str) -> str:
    """``url`` if it stays on this site, else "" (never an open redirect)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


# --- Your data, and deleting the account -------------------------------------


@login_required
@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    """What the portal holds about the person, and the way to download it."""
    return render(request, "accounts/data.html")


@never_cache
@login_required
@require_GET
def data_download(request: HttpRequest) -> HttpResponse:
    """Everything the portal holds about the logged-in person, as a JSON file.

    Never cached (a shared computer's cache must not keep it), and only ever
    the person's own: there is no id in the URL.
    """
    data = user_data(request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body + "\n", content_type="application/json; charset=utf-8")
    filename = f"maths-hubs-your-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Explain what deleting the account does; delete it when the password is given again.

    Someone with a role in a hub or nationally is told what to hand over first
    and offered no form: the refusal is repeated by the service itself.
    """
    user = request.user
    roles = roles_to_hand_over(user)
    form = DeleteAccountForm(request.POST or None, user=user)
    problem, status = "", 200
    if request.method == "POST" and not roles:
        # allauth's limit on re-entering a password (10 a minute per account)
        # stops a session left open from being used to guess it.
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            form = DeleteAccountForm(user=user)
            problem = "Too many attempts. Wait a minute, then enter your password again."
            status = 429
        elif form.is_valid():
            try:
                account_delete(user_id=user.pk)
            except AccountDeletionRefused as refusal:
                problem = str(refusal)
            else:
                logout(request)
                return redirect("accounts:deleted")
    context = {
        "form": form,
        "problem": problem,
        "roles": roles,
        "releasing": places_given_up(user),
    }
    return render(request, "accounts/delete.html", context, status=status)


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")

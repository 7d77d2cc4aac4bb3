"""The hub workspace's showcase lessons of the exchange: plan, open, close, record the discussion."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from exchange import services
from exchange.forms import (
    NotesForm,
    ShowcaseForm,
)
from exchange.models import (
    Showcase,
)
from exchange.services import (
    ExchangeRefused,
    showcase_create,
    showcase_notes_save,
    showcase_update,
)
from exchange.views_manage import (
    LEADS_ONLY,
    exchange_years,
    hub_showcase,
    no_year_yet,
    year_in_request,
)
from hubs.access import hub_team_required

# --- Showcases ----------------------------------------------------------------


@hub_team_required(lead=True)
def showcase_add(request, access):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    years = exchange_years()
    if not years:
        return no_year_yet(request, hub)
    year = year_in_request(request, years)
    form = ShowcaseForm(request.POST or None, hub=hub, year=year)
    if request.method == "POST" and form.is_valid():
        showcase = showcase_create(hub=hub, user=request.user, showcase=form.instance)
        messages.success(
            request,
            f"The showcase “{showcase.class_and_topic}” is saved as a draft. Open it for "
            "registration when teachers can sign up to observe.",
        )
        return redirect("manage-exchange:showcase", hub_slug=hub.slug, showcase_pk=showcase.pk)
    return render(
        request,
        "manage/exchange/showcase_form.html",
        {
            "hub": hub,
            "year": year,
            "form": form,
            "showcase": None,
            "has_schools": form.fields["host_school"].queryset.exists(),
        },
    )


@hub_team_required(lead=True)
def showcase_edit(request, access, showcase_pk: int):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    showcase = hub_showcase(hub, showcase_pk)
    if showcase.status == Showcase.Status.CLOSED:
        messages.error(request, "This showcase is closed, so its details can no longer change.")
        return redirect("manage-exchange:showcase", hub_slug=hub.slug, showcase_pk=showcase.pk)
    form = ShowcaseForm(
        request.POST or None, instance=showcase, hub=hub, year=showcase.exchange_year
    )
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("manage-exchange:showcase", hub_slug=hub.slug, showcase_pk=showcase.pk)
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            showcase_update(showcase_id=showcase.pk, user=request.user, fields=fields)
        except ExchangeRefused as refusal:
            form.add_error("observer_places", str(refusal))
        else:
            messages.success(request, "Your changes to the showcase have been saved.")
            return redirect("manage-exchange:showcase", hub_slug=hub.slug, showcase_pk=showcase.pk)
    return render(
        request,
        "manage/exchange/showcase_form.html",
        {
            "hub": hub,
            "year": showcase.exchange_year,
            "form": form,
            "showcase": showcase,
            "has_schools": True,
        },
    )


@hub_team_required
@require_safe
def showcase_detail(request, access, showcase_pk: int):
    """A showcase and who is coming. Queries: the showcase with its year, school and
    teacher; the registrations with teachers and schools; whether the user is a lead."""
    hub = access.hub
    showcase = hub_showcase(hub, showcase_pk)
    registrations = list(
        showcase.registrations.select_related("teacher", "school").order_by("created_at", "pk")
    )
    context = {
        "hub": hub,
        "showcase": showcase,
        "registered": [r for r in registrations if r.status == "registered"],
        "cancelled": [r for r in registrations if r.status == "cancelled"],
    }
    return render(request, "manage/exchange/showcase_detail.html", context)


def _status_change(request, hub, showcase_pk: int, change, done: str):
    showcase = hub_showcase(hub, showcase_pk)
    try:
        change(showcase_id=showcase.pk, user=request.user)
    except ExchangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done.format(topic=showcase.class_and_topic))
    return redirect("manage-exchange:showcase", hub_slug=hub.slug, showcase_pk=showcase.pk)


@hub_team_required(lead=True)
@require_POST
def showcase_open(request, access, showcase_pk: int):
    hub = access.hub
    return _status_change(
        request,
        hub,
        showcase_pk,
        services.showcase_open,
        "“{topic}” is open: teachers can now see it and register to observe.",
    )


@hub_team_required(lead=True)
@require_POST
def showcase_close(request, access, showcase_pk: int):
    hub = access.hub
    return _status_change(
        request,
        hub,
        showcase_pk,
        services.showcase_close,
        "“{topic}” is closed to new registrations. Everyone registered keeps their place.",
    )


@hub_team_required(lead=True)
def showcase_notes(request, access, showcase_pk: int):
    """The notes of the post-lesson discussion, written once the lesson is over."""
    hub = access.hub
    showcase = hub_showcase(hub, showcase_pk)
    form = NotesForm(request.POST or None, initial={"discussion_notes": showcase.discussion_notes})
    if request.method == "POST" and form.is_valid():
        try:
            showcase_notes_save(
                showcase_id=showcase.pk,
                notes=form.cleaned_data["discussion_notes"],
                user=request.user,
            )
        except ExchangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "The notes of the discussion have been saved.")
            return redirect("manage-exchange:showcase", hub_slug=hub.slug, showcase_pk=showcase.pk)
    return render(
        request,
        "manage/exchange/showcase_notes.html",
        {"hub": hub, "showcase": showcase, "form": form},
    )

"""The hub workspace's Shanghai exchange: the year's page, nominations, Shanghai teachers
(showcase lessons are in views_manage_showcases.py).

Who may do what: the hub's team (leads and members) and NCETM staff read
everything here; only the hub's leads change it. Nominating teachers to
spend two weeks abroad and deciding who hosts whom are a lead's decisions,
and the showcases follow from them, so every write is
``hub_team_required(lead=True)``; pages that only show a lead's form refuse
others with a 403 too. Records are fetched through the hub, so another
hub's ids are simply not found. hub_team_required sits above
require_POST/require_safe: outsiders are refused before a wrong method says 405.
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from exchange import services
from exchange.forms import (
    NominationForm,
    PairingForm,
    ShanghaiTeacherForm,
)
from exchange.models import (
    MAX_TEACHERS_PER_HUB,
    MIN_TEACHERS_PER_HUB,
    ExchangeTeacher,
    ExchangeYear,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from exchange.services import (
    ExchangeRefused,
    shanghai_teacher_add,
    shanghai_teacher_pair,
    shanghai_teacher_remove,
)
from hubs.access import hub_team_required
from hubs.school_picker import SchoolSearchForm
from hubs_portal.lib.academic_year import current_academic_year
from hubs_portal.lib.forms import YearForm

LEADS_ONLY = "Only the hub's leads can change the exchange records."

# --- Helpers ------------------------------------------------------------------


def exchange_years() -> list[ExchangeYear]:
    return list(ExchangeYear.objects.order_by("-academic_year"))


def _default_year(years: list[ExchangeYear]) -> ExchangeYear | None:
    """This school year's exchange if there is one, else the latest."""
    this_year = current_academic_year()
    for year in years:
        if year.academic_year == this_year:
            return year
    return years[0] if years else None


def year_in_request(request, years: list[ExchangeYear]) -> ExchangeYear | None:
    """The year named by ``year`` (in the form sent, else the query string), or the default."""
    raw = request.POST.get("year") or request.GET.get("year") or ""
    for year in years:
        if raw == str(year.academic_year):
            return year
    return _default_year(years)


def _home_url(hub, year: ExchangeYear | None, anchor: str = "") -> str:
    url = reverse("manage-exchange:home", args=[hub.slug])
    if year is not None:
        url += f"?year={year.academic_year}"
    return f"{url}#{anchor}" if anchor else url


def _nominations(hub, year: ExchangeYear):
    return (
        ExchangeTeacher.objects.filter(hub=hub, exchange_year=year)
        .select_related("school")
        .order_by("teacher_name", "pk")
    )


def hub_showcase(hub, pk: int) -> Showcase:
    showcase = get_object_or_404(
        Showcase.objects.select_related("exchange_year", "host_school", "shanghai_teacher"),
        hub=hub,
        pk=pk,
    )
    showcase.hub = hub  # already fetched: templates and services need no query for it
    return showcase


def no_year_yet(request, hub):
    messages.info(
        request,
        "No exchange year has been set up yet. NCETM staff add the years and their dates.",
    )
    return redirect("manage-exchange:home", hub_slug=hub.slug)


def _add_model_errors(form, error: ValidationError, fallback: str) -> None:
    """Put the model's refusal (found again under the lock) on the form's fields."""
    for field, errors in error.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else fallback
        form.add_error(target, errors)


# --- The year's page ----------------------------------------------------------


@hub_team_required
@require_safe
def home(request, access):
    """One year of the hub's exchange: its teachers, their guests, its showcases.

    Queries: the exchange years; the hub's nominations with their schools;
    its Shanghai teachers; their pairings with the hosts and schools; its
    showcases with host schools and teachers; whether the user is a lead.
    """
    hub = access.hub
    years = exchange_years()
    form = YearForm(
        request.GET or None, years=[y.academic_year for y in years], label="Exchange year"
    )
    year = None
    if form.is_valid():
        year = next(y for y in years if y.academic_year == form.cleaned_data["year"])
    else:
        year = _default_year(years)
    context = {"hub": hub, "years": years, "year": year, "form": form}
    if year is not None:
        nominations = list(_nominations(hub, year))
        guests = list(
            ShanghaiTeacher.objects.filter(hub=hub, exchange_year=year)
            .prefetch_related(
                Prefetch(
                    "pairings",
                    queryset=Pairing.objects.select_related("english_teacher__school").order_by(
                        "english_teacher__teacher_name", "pk"
                    ),
                )
            )
            .order_by("name", "pk")
        )
        showcases = (
            Showcase.objects.filter(hub=hub, exchange_year=year)
            .select_related("host_school", "shanghai_teacher")
            .order_by("starts_at", "pk")
        )
        context |= {
            "nominations": nominations,
            "guests": guests,
            "showcases": showcases,
            "can_nominate": len(nominations) < MAX_TEACHERS_PER_HUB,
            "too_few": len(nominations) < MIN_TEACHERS_PER_HUB,
            "most": MAX_TEACHERS_PER_HUB,
            "fewest": MIN_TEACHERS_PER_HUB,
        }
    return render(request, "manage/exchange/home.html", context)


# --- Nominations --------------------------------------------------------------


@hub_team_required(lead=True)
def nomination_add(request, access):
    """Nominate a teacher: their school found by a GET search (no JavaScript)."""
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    years = exchange_years()
    if not years:
        return no_year_yet(request, hub)
    params = request.POST if request.method == "POST" else request.GET
    search = SchoolSearchForm(params)
    year = year_in_request(request, years)

    if request.method == "POST":
        form = NominationForm(request.POST, hub=hub)
        if form.is_valid():
            try:
                nomination = services.nomination_add(
                    hub=hub, user=request.user, nomination=form.instance
                )
            except ValidationError as error:
                # Another lead nominated a third teacher a moment ago.
                _add_model_errors(form, error, "exchange_year")
            else:
                messages.success(
                    request,
                    f"{nomination.teacher_name} of {nomination.school.name} is nominated for "
                    f"the {nomination.exchange_year.label} exchange.",
                )
                return redirect(_home_url(hub, nomination.exchange_year, "teachers"))
    else:
        form = NominationForm(hub=hub, initial={"exchange_year": year})

    context = {
        "hub": hub,
        "year": year,
        "form": form,
        **search.picker(form["school"]),
    }
    return render(request, "manage/exchange/nomination_add.html", context)


@hub_team_required(lead=True)
def nomination_remove(request, access, nomination_pk: int):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    nomination = get_object_or_404(
        ExchangeTeacher.objects.select_related("school", "exchange_year"),
        hub=hub,
        pk=nomination_pk,
    )
    nomination.hub = hub
    if request.method == "POST":
        try:
            services.nomination_remove(nomination=nomination, user=request.user)
        except ExchangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                f"{nomination.teacher_name} is no longer nominated for the "
                f"{nomination.exchange_year.label} exchange.",
            )
        return redirect(_home_url(hub, nomination.exchange_year, "teachers"))
    return render(
        request,
        "manage/exchange/nomination_remove.html",
        {"hub": hub, "nomination": nomination},
    )


# --- Shanghai teachers --------------------------------------------------------


@hub_team_required(lead=True)
def shanghai_add(request, access):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    years = exchange_years()
    if not years:
        return no_year_yet(request, hub)
    year = year_in_request(request, years)
    nominations = _nominations(hub, year)
    form = ShanghaiTeacherForm(request.POST or None, hub=hub, year=year, nominations=nominations)
    if request.method == "POST" and form.is_valid():
        try:
            guest = shanghai_teacher_add(
                hub=hub,
                user=request.user,
                guest=form.instance,
                hosts=list(form.cleaned_data["hosts"]),
            )
        except ValidationError as error:
            _add_model_errors(form, error, "hosts")
        else:
            messages.success(request, f"{guest.name} is recorded as your hub's guest.")
            return redirect(_home_url(hub, year, "shanghai"))
    return render(
        request,
        "manage/exchange/shanghai_form.html",
        {"hub": hub, "year": year, "form": form, "guest": None, "has_hosts": nominations.exists()},
    )


def _guest(hub, pk: int) -> ShanghaiTeacher:
    guest = get_object_or_404(
        ShanghaiTeacher.objects.select_related("exchange_year"), hub=hub, pk=pk
    )
    guest.hub = hub
    return guest


@hub_team_required(lead=True)
def shanghai_pair(request, access, shanghai_pk: int):
    """Choose who hosts a Shanghai teacher."""
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    guest = _guest(hub, shanghai_pk)
    year = guest.exchange_year
    nominations = _nominations(hub, year)
    form = PairingForm(
        request.POST or None,
        guest=guest,
        nominations=nominations,
        initial={"hosts": list(guest.hosts.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            shanghai_teacher_pair(
                guest=guest, hosts=list(form.cleaned_data["hosts"]), user=request.user
            )
        except ValidationError as error:
            _add_model_errors(form, error, "hosts")
        else:
            messages.success(request, f"Who hosts {guest.name} has been saved.")
            return redirect(_home_url(hub, year, "shanghai"))
    return render(
        request,
        "manage/exchange/shanghai_pair.html",
        {"hub": hub, "year": year, "guest": guest, "form": form},
    )


@hub_team_required(lead=True)
def shanghai_remove(request, access, shanghai_pk: int):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    guest = _guest(hub, shanghai_pk)
    if request.method == "POST":
        shanghai_teacher_remove(guest=guest, user=request.user)
        messages.success(request, f"{guest.name} has been removed from your hub's records.")
        return redirect(_home_url(hub, guest.exchange_year, "shanghai"))
    return render(
        request,
        "manage/exchange/shanghai_remove.html",
        {"hub": hub, "guest": guest, "showcase_count": guest.showcases.count()},
    )

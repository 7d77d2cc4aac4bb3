"""The exchange's public pages, and teachers registering to observe a showcase lesson.

The public sees hubs and schools, never the nominated teachers' names: they
are staff of schools, not public figures, and the schools say enough.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from exchange.models import ExchangeTeacher, ExchangeYear, ShanghaiTeacher, Showcase
from exchange.services import ExchangeRefused, observer_cancel, observer_register

PUBLISHED = [Showcase.Status.OPEN, Showcase.Status.CLOSED]


@require_safe
def year_list(request):
    """Every year of the exchange. One query: the years with how many hubs and showcases."""
    years = ExchangeYear.objects.annotate(
        hub_count=Count("nominations__hub", distinct=True),
        showcase_count=Count("showcases", filter=Q(showcases__status__in=PUBLISHED), distinct=True),
    ).order_by("-academic_year")
    return render(request, "exchange/year_list.html", {"years": years})


def _registered_ids(user, showcases) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        user.showcase_registrations.active()
        .filter(showcase__in=[s.pk for s in showcases])
        .values_list("showcase_id", flat=True)
    )


@require_safe
def year_detail(request, label: str):
    """A year of the exchange: the hubs and schools that took part, the Shanghai teachers
    each hub hosted, and the showcase lessons open for registration.

    Queries: the year; its nominations with hubs and schools; the Shanghai
    teachers counted by hub; the showcases taking registrations with their
    hubs and schools; for a logged-in teacher, which of those they are
    registered for.
    """
    year = ExchangeYear.objects.by_label(label)
    if year is None:
        raise Http404("No such exchange year.")
    hubs = {}
    for nomination in (
        ExchangeTeacher.objects.filter(exchange_year=year)
        .select_related("hub", "school")
        .order_by("hub__name", "school__name", "pk")
    ):
        entry = hubs.setdefault(
            nomination.hub_id, {"hub": nomination.hub, "schools": {}, "guests": 0}
        )
        entry["schools"].setdefault(nomination.school_id, nomination.school)
    for row in (
        ShanghaiTeacher.objects.filter(exchange_year=year)
        .values("hub")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["hub"] in hubs:
            hubs[row["hub"]]["guests"] = row["n"]
        # A hub hosting guests without nominations recorded is left out:
        # the page lists the hubs whose teachers took part.
    participants = sorted(hubs.values(), key=lambda entry: entry["hub"].name)
    for entry in participants:
        entry["schools"] = list(entry["schools"].values())
    showcases = list(
        Showcase.objects.taking_registrations()
        .filter(exchange_year=year)
        .select_related("hub", "host_school")
        .order_by("starts_at", "pk")
    )
    context = {
        "year": year,
        "participants": participants,
        "school_count": len({s.pk for entry in participants for s in entry["schools"]}),
        "guest_count": sum(entry["guests"] for entry in participants),
        "showcases": showcases,
        "registered_ids": _registered_ids(request.user, showcases),
    }
    return render(request, "exchange/year_detail.html", context)


@require_safe
def showcase_detail(request, pk: int):
    """A showcase lesson, with the teacher's own registration or the button to register.

    Queries: the showcase with its hub, year, school and teacher; for a
    logged-in teacher, their registration.
    """
    showcase = get_object_or_404(
        Showcase.objects.published().select_related(
            "hub", "exchange_year", "host_school", "shanghai_teacher"
        ),
        pk=pk,
    )
    user = request.user
    registration = None
    if user.is_authenticated:
        registration = showcase.registrations.active().filter(teacher=user).first()
    context = {
        "showcase": showcase,
        "registration": registration,
        "refusal_reason": showcase.refusal_reason(),
        "can_cancel": registration is not None and not showcase.has_started(),
        "profile_complete": user.is_authenticated and user.has_complete_profile,
    }
    return render(request, "exchange/showcase_detail.html", context)


@require_POST
@login_required
def register(request, pk: int):
    showcase = get_object_or_404(Showcase.objects.published(), pk=pk)
    if not request.user.has_complete_profile:
        messages.info(request, "Please complete your profile before registering to observe.")
        query = urlencode({"next": showcase.get_absolute_url()})
        return redirect(f"{reverse('accounts:profile')}?{query}")
    try:
        observer_register(showcase_id=showcase.pk, teacher=request.user)
    except ExchangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"You have an observer place at “{showcase.class_and_topic}”. "
            "We have e-mailed you the details.",
        )
    return redirect(showcase)


@require_POST
@login_required
def cancel(request, pk: int):
    showcase = get_object_or_404(Showcase.objects.published(), pk=pk)
    try:
        observer_cancel(showcase_id=showcase.pk, teacher=request.user)
    except ExchangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"You have cancelled your place at “{showcase.class_and_topic}”. "
            "It is free for someone else.",
        )
    return redirect(showcase)

"""The public catalogue: browse, filter and read about Work Groups."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render

from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from workgroups.filters import WorkGroupFilter
from workgroups.models import Enrolment, Session, WorkGroup

PER_PAGE = 20


def workgroup_list(request):
    # A first visit shows this school year's groups (the year is visible, and
    # changeable, in the form); any filter in the URL is taken as it is.
    this_year = current_academic_year()
    data = request.GET or QueryDict(f"year={this_year}")
    filterset = WorkGroupFilter(data, request=request)
    # get_page turns a missing, mistyped or too-large page number into a real page.
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "workgroups": page.object_list,
        "total": page.paginator.count,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "first_visit": not request.GET,
        "this_year_label": academic_year_label(this_year),
    }
    return render(request, "workgroups/workgroup_list.html", context)


def workgroup_detail(request, slug: str):
    workgroup = get_object_or_404(
        WorkGroup.objects.published()
        .for_listing()
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("order"))),
        slug=slug,
    )
    user = request.user
    enrolment = None
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.with_waiting_position()
            .active()
            .filter(workgroup=workgroup, teacher=user)
            .first()
        )
    context = {
        "workgroup": workgroup,
        "sessions": workgroup.sessions.all(),
        "enrolment": enrolment,
        "refusal_reason": workgroup.refusal_reason(),
        "profile_complete": user.is_authenticated and user.has_complete_profile,
    }
    return render(request, "workgroups/workgroup_detail.html", context)

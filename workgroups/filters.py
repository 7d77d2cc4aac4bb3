"""The catalogue's filters: what a teacher can narrow the list of Work Groups by.

Every filter lives in the query string, so a filtered list can be bookmarked,
shared and paged through without JavaScript.
"""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone

from hubs.models import Hub, Region, TeachingPhase
from hubs_portal.lib.academic_year import Term, academic_year_label, current_academic_year
from hubs_portal.lib.forms import PortalFormMixin
from hubs_portal.lib.search import folded_contains, searchable
from workgroups.models import Programme, WorkGroup


class CatalogueForm(PortalFormMixin, forms.Form):
    """The filters' form: its search box refuses control characters like every form."""


def _invalid(what: str) -> dict:
    return {"invalid_choice": f"Choose {what} from the list."}


class WorkGroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Search titles and descriptions",
        max_length=100,
        widget=forms.SearchInput,
    )
    phase = django_filters.ModelChoiceFilter(
        field_name="phases",
        queryset=TeachingPhase.objects.order_by("display_order"),
        to_field_name="code",
        label="Phase",
        empty_label="Any phase",
        error_messages=_invalid("a phase"),
    )
    region = django_filters.ModelChoiceFilter(
        field_name="hub__region",
        queryset=Region.objects.order_by("name"),
        to_field_name="code",
        label="Region",
        empty_label="Any region",
        error_messages=_invalid("a region"),
    )
    hub = django_filters.ModelChoiceFilter(
        queryset=Hub.objects.order_by("name"),
        to_field_name="slug",
        label="Maths Hub",
        empty_label="Any hub",
        error_messages=_invalid("a hub"),
    )
    kind = django_filters.ChoiceFilter(
        method="filter_kind",
        choices=[("national", "National programmes"), ("local", "Designed for local needs")],
        label="National or local",
        empty_label="National and local",
        error_messages=_invalid("national or local"),
    )
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.order_by("name"),
        to_field_name="slug",
        label="National programme",
        empty_label="Any programme",
        error_messages=_invalid("a programme"),
    )
    delivery = django_filters.ChoiceFilter(
        choices=WorkGroup.Delivery.choices,
        label="How it is delivered",
        empty_label="In person or online",
        error_messages=_invalid("how it is delivered"),
    )
    year = django_filters.ChoiceFilter(
        field_name="academic_year",
        # Filled in __init__ from the years that have Work Groups.
        choices=[],
        label="Academic year",
        empty_label="Any year",
        error_messages=_invalid("an academic year"),
    )
    term = django_filters.ChoiceFilter(
        field_name="starting_term",
        choices=Term.CHOICES,
        label="Starting term",
        empty_label="Any term",
        error_messages=_invalid("a term"),
    )
    places = django_filters.BooleanFilter(
        method="filter_places",
        label="Only Work Groups with places left",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = WorkGroup
        fields = []
        form = CatalogueForm

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = WorkGroup.objects.published().for_listing()
        # pk last: pages must not overlap when two groups share a date and title.
        queryset = queryset.order_by(F("starts_on").asc(nulls_last=True), "title", "pk")
        super().__init__(data, queryset, **kwargs)
        # One query, evaluated once: a callable would run again for
        # validation and again for rendering.
        years = (
            WorkGroup.objects.published()
            .order_by("-academic_year")
            .values_list("academic_year", flat=True)
            .distinct()
        )
        # The current year is always offered: it is the first visit's default.
        years = sorted({*years, current_academic_year()}, reverse=True)
        self.filters["year"].extra["choices"] = [
            (str(year), academic_year_label(year)) for year in years
        ]

    def filter_text(self, queryset, name, value):
        # Accents, case and punctuation ignored: portal_fold(col) LIKE ..., the
        # expression the two trigram indexes are built on (a BitmapOr of both).
        if not searchable(value):
            return queryset.none()
        return queryset.filter(
            folded_contains("title", value) | folded_contains("description", value)
        )

    def filter_kind(self, queryset, name, value):
        return queryset.filter(programme__isnull=value != "national")

    def filter_places(self, queryset, name, value):
        # An unticked box arrives as False: it means "any", not "full only".
        if not value:
            return queryset
        # A free place is no use once applications have closed.
        return queryset.with_places().filter(
            Q(application_deadline__isnull=True) | Q(application_deadline__gte=timezone.localdate())
        )

    @property
    def active_filters(self) -> bool:
        """Whether any filter narrows the list (a page number alone does not)."""
        if not self.is_bound:
            return False
        return any(self.data.get(name) for name in self.filters)

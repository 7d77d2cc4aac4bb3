"""The report filters: academic year, region and phase, all in the query string.

A filtered report is a URL that can be bookmarked and shared. A value that is
not on the list is reported at the top of the page and left out; the report
then shows the default for that filter rather than an error page.
"""

from django import forms

from hubs.models import Region
from hubs_portal.lib.academic_year import academic_year_choices, current_academic_year
from hubs_portal.lib.forms import AcademicYearField, PortalFormMixin
from projects.models import FIRST_NETWORK_YEAR
from reports.queries.filters import PHASES, Filters


def year_choices() -> list[tuple[int, str]]:
    """Every school year of the network, newest first, and next year's (planned groups)."""
    return academic_year_choices(range(FIRST_NETWORK_YEAR, current_academic_year() + 2))


class ReportFilterForm(PortalFormMixin, forms.Form):
    """Year, region and phase. Regions are read once (one query) and checked against that list."""

    year = AcademicYearField(required_message="Choose an academic year.")
    region = forms.ChoiceField(
        label="Region",
        required=False,
        help_text="Where the hub is based.",
        error_messages={"invalid_choice": "Choose a region from the list."},
    )
    phase = forms.ChoiceField(
        label="Phase",
        required=False,
        help_text=(
            "Schools and teachers count when the school is of this phase in the register; "
            "Work Groups and places count when the Work Group is for this phase."
        ),
        error_messages={"invalid_choice": "Choose a phase from the list."},
    )

    def __init__(self, data=None, *, with_year=True, with_region=True, **kwargs):
        if data is not None and not data.get("year"):
            # No year asked for: this school year, shown as chosen in the form.
            data = data.copy()
            data["year"] = str(current_academic_year())
        super().__init__(data, **kwargs)
        self.fields["year"].initial = current_academic_year()
        self.fields["year"].choices = year_choices()
        if with_region:
            regions = list(Region.objects.order_by("name").values_list("code", "name"))
            self.fields["region"].choices = [("", "All regions"), *regions]
            self.region_names = dict(regions)
        else:
            del self.fields["region"]
            self.region_names = {}
        if not with_year:
            del self.fields["year"]
        self.fields["phase"].choices = [
            ("", "All phases"),
            *((key, group.label) for key, group in PHASES.items()),
        ]

    def filters(self, *, region: Region | None = None) -> Filters:
        """The valid filters, each falling back to its default when it was not valid.

        ``region``: the region a region's page is about, instead of the filter.
        """
        valid = {}
        if self.is_bound:
            self.is_valid()
            valid = self.cleaned_data  # only the fields that were valid
        if region is not None:
            code, name = region.code, region.name
        else:
            code = valid.get("region") or ""
            name = self.region_names.get(code, "")
        return Filters(
            year=valid.get("year") or current_academic_year(),
            region_code=code,
            region_name=name,
            phase=valid.get("phase") or "",
        )

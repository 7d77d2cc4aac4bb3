"""Choosing a school from the register, without JavaScript.

A page that asks for a school shows two forms: a GET search
(``SchoolSearchForm``, the box ``school_q``) and the page's own POST form,
whose ``school`` field (``SchoolChoiceField``) is drawn as radio buttons for
the schools the search found. The POST carries the search along, so the same
list comes back when something needs fixing. ``SchoolSearchForm.picker``
gives the template ``includes/_school_picker.html`` what it draws. The search
ignores case, accents and punctuation (``School.objects.search``) and lists
only schools the field accepts.
"""

from functools import cached_property

from django import forms
from django.forms import BoundField

from hubs.models import School
from hubs_portal.lib.forms import PortalFormMixin, parse_id

SCHOOLS_SHOWN = 20
SCHOOL_REQUIRED = "Search the register, then choose a school from the results."
SCHOOL_INVALID = "Choose a school from the search results."
NO_MATCH = (
    "No schools found for “{query}”. Check the spelling, or try part of the name, "
    "the URN or the postcode."
)
TOO_MANY = (
    "Showing the first {shown} schools found for “{query}”. Add more of the name, "
    "or the full postcode, to narrow the list."
)


class SchoolChoiceField(forms.ModelChoiceField):
    """A school chosen from the search results.

    ``offered``: the schools the search lists and the field accepts (by
    default every school that has not closed). ``keep`` accepts one more.
    """

    def __init__(self, *, offered=None, error_messages=None, **kwargs):
        if offered is None:
            offered = School.objects.exclude(status=School.Status.CLOSED)
        messages = {"required": SCHOOL_REQUIRED, "invalid_choice": SCHOOL_INVALID}
        super().__init__(
            offered,
            widget=forms.RadioSelect,
            error_messages=messages | (error_messages or {}),
            **kwargs,
        )
        self.offered = offered

    def keep(self, school_id: int | None) -> None:
        """Accept this school too: the one already on record, even if it has since closed."""
        if school_id:
            self.queryset = self.offered | School.objects.filter(pk=school_id)


class SchoolSearchForm(PortalFormMixin, forms.Form):
    """The search box, read from the query string (or from the POST that carries it along)."""

    school_q = forms.CharField(
        label="Search the school register",
        help_text="Type the school's name, its six-digit URN or its postcode, for example "
        "Carmel College, 136412 or DL3 8RW.",
        max_length=100,
        required=False,
        error_messages={"max_length": "Keep your search to 100 characters or fewer."},
    )

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["school_q"].label = label

    def clean_school_q(self) -> str:
        return " ".join(self.cleaned_data["school_q"].split())

    @cached_property
    def query(self) -> str:
        """What was searched for; empty when nothing was, or the search was refused."""
        return self.cleaned_data["school_q"] if self.is_valid() else ""

    def picker(self, school: BoundField) -> dict:
        """The template's context: the schools to offer for the form's ``school`` field.

        Up to SCHOOLS_SHOWN matches, with the school already chosen first when
        the search did not find it. Queries: one for the search (one row past
        the limit says there are more, without a count), and one for the
        chosen school when it is not among the matches.
        """
        field = school.field
        matches: list[School] = []
        if self.query:
            matches = list(
                field.offered.search(self.query)
                .select_related("local_authority")
                .order_by("name", "urn")[: SCHOOLS_SHOWN + 1]
            )
        more = len(matches) > SCHOOLS_SHOWN
        matches = matches[:SCHOOLS_SHOWN]
        schools = list(matches)
        chosen = parse_id(school.value())
        if chosen is not None and all(match.pk != chosen for match in matches):
            kept = field.queryset.select_related("local_authority").filter(pk=chosen).first()
            if kept is not None:
                schools.insert(0, kept)
        return {
            "search": self,
            "query": self.query,
            "schools": schools,
            "chosen": "" if chosen is None else str(chosen),
            "results": _results(self.query, len(matches), more),
        }


def _results(query: str, found: int, more: bool) -> str:
    """What the search found, in words; empty before any search."""
    if not query:
        return ""
    if not found:
        return NO_MATCH.format(query=query)
    if more:
        return TOO_MANY.format(shown=SCHOOLS_SHOWN, query=query)
    return f"{found} school{'' if found == 1 else 's'} found for “{query}”."

"""Forms for national projects and funding: the messages hub teams see when something is wrong."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone

from hubs.models import School
from hubs.school_picker import SchoolChoiceField
from hubs_portal.lib.academic_year import (
    academic_year_choices,
    academic_year_label,
    current_academic_year,
)
from hubs_portal.lib.forms import DATE_INVALID, AcademicYearField, DateInput, PortalFormMixin
from projects.models import (
    FIRST_NETWORK_YEAR,
    MAX_AMOUNT,
    Allocation,
    NationalProject,
    ProjectParticipation,
    ProjectSchool,
    Spend,
    Sponsor,
)
from workgroups.models import WorkGroup

AMOUNT_INVALID = "Enter the amount in pounds and pence, for example 1250 or 1250.50."
AMOUNT_NEGATIVE = (
    "The amount cannot be negative. Record money the hub receives as an allocation "
    "and money it pays out as spending."
)
AMOUNT_ZERO = "Enter an amount of at least 1p: a line of £0 records nothing."
AMOUNT_PENCE = (
    "Enter the amount in pounds and pence, with no more than two figures after the point."
)
AMOUNT_TOO_LARGE = (
    "One line cannot be more than £1,000,000. Check the figure: a missing decimal point "
    "is the usual cause."
)


def year_choices(*extra: int) -> list[tuple[int, str]]:
    """From the network's first year to next year, latest first, plus any given year."""
    now = current_academic_year()
    return academic_year_choices([*range(FIRST_NETWORK_YEAR, now + 2), *extra])


class MoneyField(forms.Field):
    """Pounds and pence, kept exact as a Decimal; "£1,250.50" is read as 1250.50.

    Every refusal has its own message: negative, zero, more than two decimal
    places, absurdly large, not a number at all.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": "Enter the amount."})
        super().__init__(**kwargs)

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(",", "").replace(" ", "")
        text = text.removeprefix("£")
        if text.startswith("-£"):
            text = "-" + text[2:]
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(AMOUNT_INVALID, code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError(AMOUNT_INVALID, code="invalid")
        return amount

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise forms.ValidationError(AMOUNT_NEGATIVE, code="negative")
        if value == 0:
            raise forms.ValidationError(AMOUNT_ZERO, code="zero")
        if value > MAX_AMOUNT:
            raise forms.ValidationError(AMOUNT_TOO_LARGE, code="too_large")
        if value != value.quantize(Decimal("0.01")):
            raise forms.ValidationError(AMOUNT_PENCE, code="pence")

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else value.quantize(Decimal("0.01"))


class ParticipationForm(PortalFormMixin, forms.ModelForm):
    """A hub's part in a project for a year. Project and year are fixed once recorded."""

    academic_year = AcademicYearField()

    class Meta:
        model = ProjectParticipation
        fields = ["project", "academic_year", "local_lead", "targets", "outcomes"]
        labels = {
            "project": "National project",
            "local_lead": "Local lead",
            "targets": "Targets",
            "outcomes": "Outcomes",
        }
        help_texts = {
            "local_lead": "The person in the hub who leads this project locally.",
            "targets": "What the hub aims to achieve in the project this year, for example "
            "how many schools or teachers will take part.",
            "outcomes": "What came of it. Fill this in during or after the year.",
        }
        error_messages = {
            "project": {
                "required": "Choose the national project.",
                "invalid_choice": "Choose a national project from the list.",
            },
        }

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.instance.hub = hub
        self.fields["project"].queryset = NationalProject.objects.order_by("name")
        self.fields["project"].empty_label = "Choose a project"
        self.fields["academic_year"].choices = [
            ("", "Choose a year"),
            *year_choices(current_academic_year()),
        ]
        self.fields["academic_year"].initial = current_academic_year()
        if self.instance.pk:
            # Schools and Work Groups belong to the year: a different project
            # or year is a new participation.
            del self.fields["project"]
            del self.fields["academic_year"]

    def clean_local_lead(self) -> str:
        return " ".join(self.cleaned_data["local_lead"].split())

    def clean(self):
        cleaned = super().clean()
        project, year = cleaned.get("project"), cleaned.get("academic_year")
        if self.instance.pk or project is None or year is None:
            return cleaned
        # The project's own years are checked by ProjectParticipation.clean().
        if ProjectParticipation.objects.filter(
            hub=self.hub, project=project, academic_year=year
        ).exists():
            self.add_error(
                "project",
                f"The hub's part in {project.name} in {academic_year_label(year)} is already "
                "recorded: change that record instead.",
            )
        return cleaned

    def validate_unique(self):
        # clean() says it in words; the service catches a race on the constraint.
        pass


class ProjectSchoolForm(PortalFormMixin, forms.Form):
    school = SchoolChoiceField()
    part = forms.ChoiceField(
        label="Its part in the project",
        choices=[("", "Choose its part"), *ProjectSchool.Part.choices],
        error_messages={
            "required": "Choose the school's part in the project.",
            "invalid_choice": "Choose a part from the list.",
        },
    )

    def __init__(self, *args, participation: ProjectParticipation, **kwargs):
        super().__init__(*args, **kwargs)
        self.participation = participation

    def clean_school(self) -> School:
        school = self.cleaned_data["school"]
        if self.participation.schools.filter(school=school).exists():
            raise forms.ValidationError(
                f"{school.name} is already part of this project in "
                f"{self.participation.academic_year_label}."
            )
        return school


class ParticipationWorkGroupsForm(PortalFormMixin, forms.Form):
    workgroups = forms.ModelMultipleChoiceField(
        label="Work Groups that belong to this project",
        queryset=WorkGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose Work Groups from the list.",
            "invalid_pk_value": "Choose Work Groups from the list.",
        },
    )

    def __init__(self, *args, participation: ProjectParticipation, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the hub's own groups of the same year can belong to its part in a project.
        self.fields["workgroups"].queryset = WorkGroup.objects.filter(
            hub_id=participation.hub_id, academic_year=participation.academic_year
        ).order_by("title", "pk")
        self.fields["workgroups"].help_text = (
            f"Your hub's Work Groups in {participation.academic_year_label}, drafts included. "
            "Untick a Work Group to take it out of the project."
        )


# --- Funding --------------------------------------------------------------------------


class AllocationForm(PortalFormMixin, forms.Form):
    academic_year = AcademicYearField(required_message="Choose the academic year the money is for.")
    sponsor = forms.ChoiceField(
        label="Who provides the money",
        choices=Sponsor.choices,
        initial=Sponsor.DFE,
        error_messages={
            "required": "Choose who provides the money.",
            "invalid_choice": "Choose a sponsor from the list.",
        },
    )
    category = forms.ChoiceField(
        label="What it is for",
        choices=[("", "Choose structural or project costs"), *Allocation.Category.choices],
        help_text="Structural costs keep the hub running; project costs are for one project.",
        error_messages={
            "required": "Choose whether the money is for structural or project costs.",
            "invalid_choice": "Choose structural or project costs.",
        },
    )
    project = forms.ModelChoiceField(
        label="Project",
        help_text="Only for project costs: the national project the money is for.",
        queryset=NationalProject.objects.order_by("name"),
        required=False,
        empty_label="No project",
        error_messages={"invalid_choice": "Choose a national project from the list."},
    )
    amount = MoneyField(
        label="Amount (£)",
        help_text="In pounds and pence, for example 45000 or 1250.50.",
    )
    note = forms.CharField(
        label="Note",
        help_text="For example the grant letter's reference.",
        max_length=200,
        required=False,
        error_messages={"max_length": "Keep the note to 200 characters or fewer."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"academic_year": current_academic_year()})
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = year_choices()

    def clean(self):
        cleaned = super().clean()
        category, project = cleaned.get("category"), cleaned.get("project")
        if (
            category == Allocation.Category.PROJECT
            and project is None
            and "project" not in self.errors
        ):
            self.add_error("project", "Choose the project these project costs are for.")
        elif category == Allocation.Category.STRUCTURAL and project is not None:
            self.add_error(
                "project",
                "Structural costs are not for one project: choose “No project”, or choose "
                "project costs.",
            )
        year = cleaned.get("academic_year")
        if project is not None and year is not None and not self.errors:
            refusal = project.refusal_for_year(year)
            if refusal:
                self.add_error("project", refusal)
        return cleaned


class SpendForm(PortalFormMixin, forms.Form):
    spent_on = forms.DateField(
        label="Date spent",
        help_text="The date of the invoice or payment. It decides the academic year.",
        widget=DateInput,
        error_messages={"required": "Enter the date the money was spent.", "invalid": DATE_INVALID},
    )
    category = forms.ChoiceField(
        label="Category",
        choices=[("", "Choose a category"), *Spend.Category.choices],
        help_text="Classroom-based CPD is professional development that teachers take back "
        "to their own classrooms, such as Work Groups and lesson study.",
        error_messages={
            "required": "Choose the category of spending.",
            "invalid_choice": "Choose a category from the list.",
        },
    )
    project = forms.ModelChoiceField(
        label="National project",
        help_text="If the money was spent on one national project.",
        queryset=NationalProject.objects.order_by("name"),
        required=False,
        empty_label="Not for one project",
        error_messages={"invalid_choice": "Choose a national project from the list."},
    )
    amount = MoneyField(label="Amount (£)", help_text="In pounds and pence, for example 480.00.")
    description = forms.CharField(
        label="What it paid for",
        help_text="For example: supply cover for six teachers at the autumn Work Group session.",
        max_length=200,
        error_messages={
            "required": "Say what the money paid for.",
            "max_length": "Keep the description to 200 characters or fewer.",
        },
    )

    def clean_description(self) -> str:
        return " ".join(self.cleaned_data["description"].split())

    def clean_spent_on(self) -> date:
        spent_on = self.cleaned_data["spent_on"]
        if spent_on > timezone.localdate():
            raise forms.ValidationError(
                "Record spending once it has happened: the date cannot be in the future."
            )
        if spent_on < date(FIRST_NETWORK_YEAR, 9, 1):
            raise forms.ValidationError("The Maths Hubs network began in September 2014.")
        return spent_on

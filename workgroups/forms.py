"""Forms of the hub workspace's Work Groups: the messages hub teams see when something is wrong."""

from django import forms
from django.db.models import Q

from hubs_portal.lib.academic_year import academic_year_choices, current_academic_year
from hubs_portal.lib.forms import (
    DATE_INVALID,
    DATETIME_INVALID,
    AcademicYearField,
    DateInput,
    DateTimeInput,
    PortalFormMixin,
)
from workgroups.models import Evaluation, Programme, Session, WorkGroup

PROGRAMME_OR_NEED = next(
    constraint.violation_error_message
    for constraint in WorkGroup._meta.constraints
    if constraint.name == "workgroup_programme_or_local_need"
)
MAX_PLACES = 500
PLACES_ERRORS = {
    "required": "Enter the number of places.",
    "invalid": "Enter the number of places as a whole number, for example 20.",
    "min_value": "Offer at least 1 place.",
    "max_value": f"Offer {MAX_PLACES} places or fewer.",
}


def _years(*extra: int) -> list[tuple[int, str]]:
    """Last year to two years ahead, plus any year a Work Group already has."""
    now = current_academic_year()
    return academic_year_choices([now - 1, now, now + 1, now + 2, *extra], latest_first=False)


class WorkGroupForm(PortalFormMixin, forms.ModelForm):
    """A Work Group's description. Places are set here only when it is created;
    afterwards they change through the places form, under the row lock."""

    academic_year = AcademicYearField()
    capacity = forms.IntegerField(
        label="Number of places",
        min_value=1,
        max_value=MAX_PLACES,
        error_messages=PLACES_ERRORS,
    )
    cost = forms.DecimalField(
        label="Cost per participant (£)",
        help_text="0 means fully funded.",
        max_digits=7,
        decimal_places=2,
        min_value=0,
        initial=0,
        error_messages={
            "required": "Enter the cost, or 0 if it is fully funded.",
            "invalid": "Enter the cost in pounds, for example 0 or 150.",
            "min_value": "The cost cannot be less than 0.",
            "max_digits": "Enter a cost of less than £100,000.",
            "max_whole_digits": "Enter a cost of less than £100,000.",
            "max_decimal_places": "Enter the cost in pounds and pence, for example 150.50.",
        },
    )

    class Meta:
        model = WorkGroup
        fields = [
            "title",
            "programme",
            "local_need",
            "phases",
            "audience",
            "description",
            "delivery",
            "academic_year",
            "capacity",
            "eligibility",
            "application_deadline",
            "cost",
            "lead_name",
        ]
        labels = {
            "programme": "National programme",
            "local_need": "Local need it answers",
            "phases": "Phases",
            "audience": "Who it is for",
            "description": "Description",
            "delivery": "How it is delivered",
            "eligibility": "Who can apply",
            "application_deadline": "Apply by",
            "lead_name": "Led by",
        }
        help_texts = {
            "programme": "Leave as “Not part of a national programme” for a Work Group the "
            "hub designed for a local need.",
            "local_need": "For a locally designed Work Group: the need it answers.",
            "phases": "Choose all that apply.",
            "description": "What participants will do and what they will take away. "
            "Teachers see this in the catalogue.",
            "eligibility": "For example: teachers in their first three years, or schools "
            "new to the programme.",
            "application_deadline": "Leave empty to take applications while places are open.",
            "lead_name": "The person or school leading the sessions.",
        }
        widgets = {
            "phases": forms.CheckboxSelectMultiple,
            "local_need": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
            "application_deadline": DateInput,
        }
        error_messages = {
            "title": {"required": "Enter a title."},
            "programme": {"invalid_choice": "Choose a national programme from the list."},
            "phases": {
                "required": "Choose at least one phase.",
                "invalid_choice": "Choose phases from the list.",
                "invalid_pk_value": "Choose phases from the list.",
            },
            "audience": {"invalid_choice": "Choose who it is for from the list."},
            "description": {"required": "Describe the Work Group."},
            "delivery": {"invalid_choice": "Choose how it is delivered from the list."},
            "application_deadline": {"invalid": DATE_INVALID},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programme = self.fields["programme"]
        # A programme since retired still shows on the groups that follow it.
        programme.queryset = Programme.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.programme_id)
        ).order_by("name")
        programme.empty_label = "Not part of a national programme"
        self.fields["phases"].queryset = self.fields["phases"].queryset.order_by("display_order")
        year = self.instance.academic_year
        self.fields["academic_year"].choices = _years(*([year] if year else []))
        if not self.instance.pk:
            self.initial.setdefault("academic_year", current_academic_year())
        else:
            # Places change through workgroup_set_capacity, which serves the waiting list.
            del self.fields["capacity"]

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean(self):
        cleaned = super().clean()
        # The database's check constraint, said beside the fields it is about.
        # (With an error on the field, the model's own check of it is skipped.)
        missing = not cleaned.get("programme") and not cleaned.get("local_need", "").strip()
        if missing and "programme" not in self.errors:
            self.add_error("programme", PROGRAMME_OR_NEED)
        return cleaned


class PlacesForm(PortalFormMixin, forms.Form):
    capacity = forms.IntegerField(
        label="Number of places",
        min_value=1,
        max_value=MAX_PLACES,
        help_text="Extra places go to the waiting list first, in the order teachers applied.",
        error_messages=PLACES_ERRORS,
    )


class SessionForm(PortalFormMixin, forms.ModelForm):
    order = forms.IntegerField(
        label="Session number",
        min_value=1,
        max_value=99,
        error_messages={
            "required": "Enter the session number.",
            "invalid": "Enter the session number as a whole number, for example 1.",
            "min_value": "Number the sessions from 1.",
            "max_value": "Number the sessions below 100.",
        },
    )

    class Meta:
        model = Session
        fields = [
            "order",
            "starts_at",
            "ends_at",
            "is_online",
            "venue_name",
            "venue_address",
            "gap_task",
        ]
        labels = {
            "starts_at": "Starts",
            "ends_at": "Ends",
            "is_online": "This session is online",
            "venue_name": "Venue",
            "venue_address": "Venue address",
            "gap_task": "Gap task",
        }
        help_texts = {
            "starts_at": "UK time, for example 2026-10-01 16:00.",
            "ends_at": "UK time.",
            "venue_name": "Leave empty for an online session, or if the venue is not "
            "confirmed yet.",
            "gap_task": "What participants try in class before the next session.",
        }
        widgets = {
            "starts_at": DateTimeInput,
            "ends_at": DateTimeInput,
            "gap_task": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "starts_at": {
                "required": "Enter when the session starts.",
                "invalid": DATETIME_INVALID,
            },
            "ends_at": {"required": "Enter when the session ends.", "invalid": DATETIME_INVALID},
        }

    def __init__(self, *args, workgroup: WorkGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.workgroup = workgroup

    def clean_order(self) -> int:
        order = self.cleaned_data["order"]
        # The workgroup is not a form field, so the model's unique check skips it.
        clash = Session.objects.filter(workgroup=self.workgroup, order=order)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                f"This Work Group already has a session {order}. Choose another number."
            )
        return order

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The session must end after it starts.")
        return cleaned


class ChoiceOfParticipantsForm(PortalFormMixin, forms.Form):
    """Ticks against participants; the choices come from a list the view already has."""

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].choices = [
            (enrolment.pk, enrolment.teacher.get_full_name()) for enrolment in enrolments
        ]


class AttendanceForm(ChoiceOfParticipantsForm):
    enrolments = forms.TypedMultipleChoiceField(
        label="Present",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Tick only teachers on the list."},
    )


class CompletionForm(ChoiceOfParticipantsForm):
    enrolments = forms.TypedMultipleChoiceField(
        label="Completed the Work Group",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick the teachers who have completed the Work Group.",
            "invalid_choice": "Tick only teachers whose place is confirmed.",
        },
    )


class ParticipantMessageForm(PortalFormMixin, forms.Form):
    subject = forms.CharField(
        label="Subject",
        max_length=150,
        error_messages={
            "required": "Enter a subject.",
            "max_length": "Keep the subject to 150 characters or fewer.",
        },
    )
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
        error_messages={
            "required": "Enter your message.",
            "max_length": "Keep the message to 10,000 characters or fewer.",
        },
    )
    include_waiting = forms.BooleanField(
        label="Also send it to the teachers on the waiting list",
        required=False,
    )

    def clean_subject(self) -> str:
        # A subject is one line: e-mail headers cannot hold line breaks.
        return " ".join(self.cleaned_data["subject"].split())


class EvaluationForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["outcomes", "impact_notes"]
        labels = {
            "outcomes": "Outcomes",
            "impact_notes": "Impact on teachers and pupils",
        }
        help_texts = {
            "outcomes": "What the Work Group achieved against what it set out to do.",
            "impact_notes": "What changed in participants' teaching and their pupils' learning, "
            "and how you know.",
        }
        widgets = {
            "outcomes": forms.Textarea(attrs={"rows": 8}),
            "impact_notes": forms.Textarea(attrs={"rows": 8}),
        }
        error_messages = {
            "outcomes": {"required": "Describe the outcomes."},
            "impact_notes": {"required": "Describe the impact."},
        }

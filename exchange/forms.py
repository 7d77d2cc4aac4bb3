"""Forms of the exchange: what the hub team records, in words they can act on."""

from django import forms
from django.db.models.functions import Lower

from exchange.models import (
    MAX_OBSERVER_PLACES,
    ExchangeTeacher,
    ExchangeYear,
    Phase,
    ShanghaiTeacher,
    Showcase,
    pairing_problem,
)
from hubs.models import Hub, School
from hubs.school_picker import SchoolChoiceField
from hubs_portal.lib.forms import DATETIME_INVALID, DateTimeInput, PortalFormMixin

HOSTS_REQUIRED = "Choose the teacher or teachers who host them."


class YearChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ExchangeYear) -> str:
        return obj.label


class HostChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ExchangeTeacher) -> str:
        return f"{obj.teacher_name}, {obj.school.name}"


class NominationForm(PortalFormMixin, forms.ModelForm):
    """An English teacher nominated for a year's exchange.

    The school is chosen from the results of a separate GET search (the
    template draws the radio buttons), so no JavaScript is needed.
    """

    exchange_year = YearChoiceField(
        label="Exchange year",
        queryset=ExchangeYear.objects.order_by("-academic_year"),
        empty_label="Choose a year",
        error_messages={
            "required": "Choose the year of the exchange.",
            "invalid_choice": "Choose a year from the list.",
        },
    )
    school = SchoolChoiceField(
        error_messages={
            "required": "Search for the teacher's school, then choose it from the results."
        },
    )

    class Meta:
        model = ExchangeTeacher
        fields = ["exchange_year", "teacher_name", "school", "phase", "email"]
        labels = {"teacher_name": "Teacher's name", "phase": "Phase they teach", "email": "E-mail"}
        help_texts = {
            "email": "So that the hub can reach them about the visit. Not shown publicly.",
        }
        widgets = {"phase": forms.RadioSelect}
        error_messages = {
            "teacher_name": {
                "required": "Enter the teacher's name.",
                "max_length": "Keep the name to 150 characters or fewer.",
            },
            "phase": {"required": "Choose primary or secondary."},
            "email": {"invalid": "Enter an e-mail address like name@school.org.uk."},
        }

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        # The hub is not a field: set it now so that the model's check of the
        # number of teachers per hub runs with the form's validation.
        self.instance.hub = hub
        self.fields["phase"].choices = Phase.choices

    def clean_teacher_name(self) -> str:
        return " ".join(self.cleaned_data["teacher_name"].split())

    def clean(self):
        cleaned = super().clean()
        name, school, year = (cleaned.get(k) for k in ("teacher_name", "school", "exchange_year"))
        if name and school and year:
            clash = ExchangeTeacher.objects.annotate(lower_name=Lower("teacher_name")).filter(
                lower_name=name.lower(), school=school, exchange_year=year
            )
            if clash.exists():
                self.add_error(
                    "teacher_name",
                    f"{name} of {school.name} is already nominated for {year.label}.",
                )
        return cleaned


class ShanghaiTeacherForm(PortalFormMixin, forms.ModelForm):
    hosts = HostChoiceField(
        label="Hosted by",
        queryset=ExchangeTeacher.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The English teacher or teachers they work with, at the host school.",
        error_messages={
            "required": HOSTS_REQUIRED,
            "invalid_choice": "Choose from your hub's teachers in this year's exchange.",
        },
    )

    class Meta:
        model = ShanghaiTeacher
        fields = ["name", "shanghai_school", "phase"]
        labels = {"name": "Name", "shanghai_school": "School in Shanghai", "phase": "Phase"}
        widgets = {"phase": forms.RadioSelect}
        error_messages = {
            "name": {
                "required": "Enter the Shanghai teacher's name.",
                "max_length": "Keep the name to 150 characters or fewer.",
            },
            "shanghai_school": {
                "required": "Enter the school in Shanghai where they teach.",
                "max_length": "Keep the school's name to 200 characters or fewer.",
            },
            "phase": {"required": "Choose primary or secondary."},
        }

    def __init__(self, *args, hub: Hub, year: ExchangeYear, nominations, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hub = hub
        self.instance.exchange_year = year
        self.fields["phase"].choices = Phase.choices
        self.fields["hosts"].queryset = nominations

    def clean(self):
        cleaned = super().clean()
        hosts = cleaned.get("hosts")
        if hosts:
            problem = pairing_problem(self.instance, list(hosts))
            if problem:
                self.add_error("hosts", problem)
        return cleaned


class PairingForm(PortalFormMixin, forms.Form):
    hosts = HostChoiceField(
        label="Hosted by",
        queryset=ExchangeTeacher.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose teachers at one school: the Shanghai teacher works at that school.",
        error_messages={
            "required": HOSTS_REQUIRED,
            "invalid_choice": "Choose from your hub's teachers in this year's exchange.",
        },
    )

    def __init__(self, *args, guest: ShanghaiTeacher, nominations, **kwargs):
        super().__init__(*args, **kwargs)
        self.guest = guest
        self.fields["hosts"].queryset = nominations

    def clean(self):
        cleaned = super().clean()
        hosts = cleaned.get("hosts")
        if hosts:
            problem = pairing_problem(self.guest, list(hosts))
            if problem:
                self.add_error("hosts", problem)
        return cleaned


class ShowcaseForm(PortalFormMixin, forms.ModelForm):
    observer_places = forms.IntegerField(
        label="Observer places",
        min_value=1,
        max_value=MAX_OBSERVER_PLACES,
        help_text="How many teachers from other schools can come to watch.",
        error_messages={
            "required": "Enter the number of observer places.",
            "invalid": "Enter the number of places as a whole number, for example 12.",
            "min_value": "Offer at least 1 observer place.",
            "max_value": f"Offer at most {MAX_OBSERVER_PLACES} observer places.",
        },
    )

    class Meta:
        model = Showcase
        fields = [
            "class_and_topic",
            "host_school",
            "shanghai_teacher",
            "starts_at",
            "ends_at",
            "observer_places",
        ]
        labels = {
            "class_and_topic": "Class and topic",
            "host_school": "Host school",
            "shanghai_teacher": "Taught by",
            "starts_at": "Lesson starts",
            "ends_at": "Discussion ends",
        }
        help_texts = {
            "class_and_topic": "For example: Year 4: equivalent fractions.",
            "host_school": "The school of one of your hub's teachers in the exchange.",
            "shanghai_teacher": "Leave empty if it is not decided yet.",
            "starts_at": "UK time, for example 2026-11-17 09:30.",
            "ends_at": "UK time, including the post-lesson discussion.",
        }
        widgets = {"starts_at": DateTimeInput, "ends_at": DateTimeInput}
        error_messages = {
            "class_and_topic": {
                "required": "Enter the class and the topic of the lesson.",
                "max_length": "Keep the class and topic to 200 characters or fewer.",
            },
            "host_school": {
                "required": "Choose the host school.",
                "invalid_choice": "Choose a school from the list.",
            },
            "shanghai_teacher": {"invalid_choice": "Choose a teacher from the list."},
            "starts_at": {"required": "Enter when the lesson starts.", "invalid": DATETIME_INVALID},
            "ends_at": {"required": "Enter when the discussion ends.", "invalid": DATETIME_INVALID},
        }

    def __init__(self, *args, hub: Hub, year: ExchangeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hub = hub
        self.instance.exchange_year = year
        self.fields["host_school"].queryset = (
            School.objects.filter(exchange_teachers__hub=hub, exchange_teachers__exchange_year=year)
            .distinct()
            .order_by("name")
        )
        self.fields["host_school"].empty_label = "Choose a school"
        self.fields["shanghai_teacher"].queryset = ShanghaiTeacher.objects.filter(
            hub=hub, exchange_year=year
        ).order_by("name")
        self.fields["shanghai_teacher"].empty_label = "Not decided yet"

    def clean_class_and_topic(self) -> str:
        return " ".join(self.cleaned_data["class_and_topic"].split())


class NotesForm(PortalFormMixin, forms.Form):
    discussion_notes = forms.CharField(
        label="Notes of the post-lesson discussion",
        help_text="What observers noticed about how the lesson was designed and taught, "
        "and what they will try in their own classrooms.",
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=20000,
        error_messages={
            "required": "Write the notes of the discussion.",
            "max_length": "Keep the notes to 20,000 characters or fewer.",
        },
    )

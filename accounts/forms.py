from django import forms

from accounts.models import User
from hubs.models import School, TeachingPhase
from hubs.school_picker import SchoolChoiceField
from hubs_portal.lib.forms import PortalFormMixin

SCHOOL_REQUIRED = "Choose your school from the list. Search by its name, URN or postcode first."


class ProfileForm(PortalFormMixin, forms.Form):
    """A teacher's profile. The view assigns the cleaned values to the user."""

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your full name."},
    )
    job_role = forms.ChoiceField(
        label="Your role",
        choices=[("", "Choose your role"), *User.JobRole.choices],
        error_messages={"required": "Choose your role."},
    )
    phases = forms.ModelMultipleChoiceField(
        label="Phases you teach",
        help_text="Choose all that apply.",
        queryset=TeachingPhase.objects.order_by("display_order"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one phase you teach.",
            "invalid_choice": "Choose phases from the list.",
            "invalid_pk_value": "Choose phases from the list.",
        },
    )
    # An open school, or the one already on the profile even if it has since
    # closed (see __init__): saving the rest of the profile must not fail on it.
    school = SchoolChoiceField(
        offered=School.objects.open(),
        error_messages={"required": SCHOOL_REQUIRED, "invalid_choice": SCHOOL_REQUIRED},
    )

    def __init__(self, *args, current_school_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].keep(current_school_id)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())


class DeleteAccountForm(forms.Form):
    """Deleting the account asks for the password again: a session left open is not enough."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to delete your account."},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Enter it again.")
        return password

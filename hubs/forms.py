"""Forms of the public hub finder and of the hub workspace (partners, leadership team,
contact details, team roles)."""

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from hubs.models import (
    Hub,
    HubMembership,
    LeadershipTeamMember,
    LocalAuthority,
    Organisation,
    Partnership,
    RecordStatus,
)
from hubs.school_picker import SchoolChoiceField
from hubs_portal.lib.forms import DATE_INVALID, DateInput, PortalFormMixin

SCHOOL_OR_ORGANISATION = (
    "Choose a school from the search results, choose an organisation, "
    "or give the name of a new organisation."
)
ONLY_ONE_PARTNER = (
    "Choose only one partner: a school, an existing organisation or a new organisation."
)


class PartnershipAddForm(PortalFormMixin, forms.Form):
    """A new partnership. The view creates any new organisation and calls partnership_add."""

    role = forms.ChoiceField(
        label="Role in the hub",
        choices=[("", "Choose a role"), *Partnership.Role.choices],
        error_messages={"required": "Choose the partner's role in the hub."},
    )
    # Optional: the partner may be an organisation instead (see clean).
    school = SchoolChoiceField(required=False)
    organisation = forms.ModelChoiceField(
        label="Or choose an organisation already known to the portal",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="No organisation chosen",
        error_messages={"invalid_choice": "Choose an organisation from the list."},
    )
    new_organisation_name = forms.CharField(
        label="Or add a new organisation: its name",
        help_text="For example: Durham University. Leave empty if you chose a partner above.",
        max_length=200,
        required=False,
    )
    new_organisation_kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=Organisation.Kind.choices,
        initial=Organisation.Kind.OTHER,
        required=False,
    )
    start_date = forms.DateField(
        label="Start date",
        help_text="Leave empty if you do not know it.",
        required=False,
        widget=DateInput,
        error_messages={"invalid": DATE_INVALID},
    )
    status = forms.ChoiceField(
        label="How sure are we of this partnership?",
        choices=RecordStatus.choices,
        initial=RecordStatus.CONFIRMED,
        error_messages={"required": "Choose how sure we are of this partnership."},
    )

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub

    def clean_new_organisation_name(self) -> str:
        return " ".join(self.cleaned_data["new_organisation_name"].split())

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        school = cleaned.get("school")
        organisation = cleaned.get("organisation")
        new_name = cleaned.get("new_organisation_name")
        chosen = [bool(school), bool(organisation), bool(new_name)]
        if not any(chosen):
            self.add_error("school", SCHOOL_OR_ORGANISATION)
            return cleaned
        if sum(chosen) > 1:
            self.add_error("school", ONLY_ONE_PARTNER)
            return cleaned
        if cleaned.get("role") == Partnership.Role.LEAD_SCHOOL and not school:
            self.add_error("school", "A lead school must be a school: search the register for it.")
            return cleaned
        if new_name:
            # Reuse an organisation whose name differs only in case, rather than
            # fail on the unique name: people rarely know it is already there.
            cleaned["organisation"] = Organisation.objects.filter(name__iexact=new_name).first()
        partner = {"school": school} if school else {"organisation": cleaned["organisation"]}
        if cleaned["organisation"] is None and not school:
            return cleaned  # a new organisation cannot be a partner yet
        already = (
            Partnership.objects.current()
            .filter(hub=self.hub, role=cleaned["role"], **partner)
            .exists()
        )
        if already:
            name = school.name if school else cleaned["organisation"].name
            role = Partnership.Role(cleaned["role"]).label.lower()
            self.add_error(
                "school" if school else "organisation",
                f"{name} is already a current {role} of this hub.",
            )
        return cleaned


class PartnershipEndForm(PortalFormMixin, forms.Form):
    end_date = forms.DateField(
        label="End date",
        help_text="The last day of the partnership. It stays on the hub's page until then.",
        widget=DateInput,
        error_messages={
            "required": "Enter the date the partnership ends.",
            "invalid": DATE_INVALID,
        },
    )

    def __init__(self, *args, partnership: Partnership, **kwargs):
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.partnership = partnership

    def clean_end_date(self) -> date:
        end_date = self.cleaned_data["end_date"]
        start = self.partnership.start_date
        if start is not None and end_date < start:
            raise forms.ValidationError(
                f"The end date cannot be before the start date ({start:%-d %B %Y})."
            )
        return end_date


class LeadershipTeamMemberForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = LeadershipTeamMember
        fields = ["name", "role", "email", "display_order"]
        labels = {
            "name": "Name",
            "role": "Role",
            "email": "Contact e-mail (optional)",
            "display_order": "Position in the list",
        }
        help_texts = {
            "email": "Shown on the hub's public page, so the public can contact them.",
            "display_order": "Lower numbers come first on the hub's page; 0 is the top.",
        }
        error_messages = {
            "name": {"required": "Enter the person's name."},
            "role": {"required": "Choose their role."},
            "email": {"invalid": "Enter an e-mail address like name@example.org."},
            "display_order": {
                "required": "Enter a position, for example 0.",
                "invalid": "Enter a whole number, for example 0.",
                "min_value": "Enter 0 or a larger whole number.",
            },
        }

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class HubContactForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Hub
        fields = ["contact_email", "website"]
        labels = {"contact_email": "Contact e-mail", "website": "Website"}
        help_texts = {
            "contact_email": "The hub's general address, shown on its public page.",
            "website": "The full address, starting https://",
        }
        error_messages = {
            "contact_email": {"invalid": "Enter an e-mail address like info@example.org."},
            "website": {"invalid": "Enter a full web address, like https://www.example.org."},
        }


class TeamAddForm(PortalFormMixin, forms.Form):
    email = forms.EmailField(
        label="Their e-mail address",
        help_text="The address they log in with.",
        error_messages={
            "required": "Enter the e-mail address of the person to add.",
            "invalid": "Enter an e-mail address like name@example.org.",
        },
    )
    role = forms.ChoiceField(
        label="Role on the team",
        choices=HubMembership.Role.choices,
        initial=HubMembership.Role.MEMBER,
        error_messages={"required": "Choose their role on the team."},
    )

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub

    def clean_email(self) -> str:
        """The address, once it is known to belong to an account not yet on the team."""
        email = self.cleaned_data["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                f"There is no account for {email}. Ask them to sign up first, then add them here."
            )
        if not user.is_active:
            raise forms.ValidationError(f"The account for {email} has been closed.")
        if HubMembership.objects.filter(hub=self.hub, user=user).exists():
            raise forms.ValidationError(f"{email} is already on the team.")
        self.user = user
        return email


class TeamRoleForm(PortalFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=HubMembership.Role.choices,
        error_messages={
            "required": "Choose a role.",
            "invalid_choice": "Choose a role from the list.",
        },
    )


class FindHubForm(PortalFormMixin, forms.Form):
    q = forms.CharField(
        label="School name, URN or postcode",
        help_text="For example: Carmel College, 136412 or DL3 8RW.",
        max_length=100,
        required=False,
    )
    la = forms.ModelChoiceField(
        label="Or choose your local authority",
        queryset=LocalAuthority.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label="Choose a local authority",
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("q") and not cleaned.get("la"):
            raise forms.ValidationError(
                "Type your school's name, URN or postcode, or choose a local authority."
            )
        return cleaned

from django import forms

from hubs.models import LocalAuthority
from hubs_portal.lib.forms import PortalFormMixin


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

from django import forms

from hubs_portal.lib.forms import PortalFormMixin
from newsletters.models import Issue


class SubscribeForm(PortalFormMixin, forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter an e-mail address in the right form, like name@example.org.",
            "max_length": "That e-mail address is too long.",
        },
    )


class IssueForm(PortalFormMixin, forms.ModelForm):
    """Subject and Markdown body of a draft. The view saves through the services."""

    class Meta:
        model = Issue
        fields = ["subject", "body_markdown"]
        labels = {"subject": "Subject", "body_markdown": "Newsletter text"}
        help_texts = {
            "subject": "The e-mail's subject line. Keep it short: it is what people see first.",
            "body_markdown": "Written in Markdown: a blank line starts a new paragraph, "
            "## starts a heading, * starts a list item, **bold**, [link text](https://…). "
            "Anything that could run code is removed.",
        }
        error_messages = {
            "subject": {
                "required": "Enter a subject.",
                "max_length": "Keep the subject to 150 characters or fewer.",
            },
            "body_markdown": {"required": "Write the newsletter before saving it."},
        }
        widgets = {"body_markdown": forms.Textarea(attrs={"rows": 20})}

    def clean_subject(self) -> str:
        # One line: e-mail headers cannot hold line breaks.
        return " ".join(self.cleaned_data["subject"].split())

"""What every form of the portal asks of free text, and reading ids people send.

``PortalFormMixin`` goes first in the bases of every form (and of the
FilterSets' forms): each text field then refuses characters that nobody types
and that break something further on. PostgreSQL refuses a NUL byte in text
(a 500 instead of a message), and the XML inside Excel files refuses the
other control characters, so a Work Group title holding one would break the
reports' downloads. Django's own NUL check is replaced, so that people see
one message, in words they can act on.

It also holds the date and time widgets, their error wording, and the year
chooser that every app's forms share.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible

from hubs_portal.lib.academic_year import academic_year_choices

# C0 control characters except tab, line feed and carriage return; DEL; and
# the two Unicode noncharacters XML refuses.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
CONTROL_CHARACTERS_MESSAGE = (
    "This contains an invisible control character, usually pasted in from another "
    "program. Delete it, or type the text again."
)
# What no one-line mail header (an address, a subject) can carry: the above and
# line breaks.
HEADER_BREAKERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ufffe\uffff]")
# The largest id PostgreSQL's bigint holds: a longer number names no record.
ID_MAX = 2**63 - 1
DATE_INVALID = "Enter a real date, for example 1 September 2026 as 2026-09-01."
DATETIME_INVALID = "Enter a real date and time, for example 2026-10-01 16:00."


@deconstructible
class ProhibitControlCharactersValidator:
    """Refuse NUL and the other control characters in text (tab and line breaks are fine)."""

    message = CONTROL_CHARACTERS_MESSAGE
    code = "control_characters"

    def __call__(self, value) -> None:
        if value is not None and CONTROL_CHARACTERS.search(str(value)):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, ProhibitControlCharactersValidator)


class PortalFormMixin:
    """Put it first in a form's bases: its text fields refuse control characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            if isinstance(form_field, forms.CharField):
                form_field.validators = [
                    validator
                    for validator in form_field.validators
                    if not isinstance(validator, ProhibitNullCharactersValidator)
                ]
                form_field.validators.insert(0, ProhibitControlCharactersValidator())


def parse_id(value) -> int | None:
    """A record id sent in a request ("42"), or None when it cannot be one.

    Only ASCII digits: ``"²".isdigit()`` is true but ``int("²")`` fails, and
    a number past PostgreSQL's bigint names no record.
    """
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


class DateInput(forms.DateInput):
    """A browser date picker; without one, people type 2026-09-01."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A browser date and time picker; without one, people type 2026-10-01T16:00."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class AcademicYearField(forms.TypedChoiceField):
    """A school year chosen from a list ("2026-27"), cleaned to the year it starts (2026).

    The form sets its ``choices`` (``academic_year_choices``).
    """

    def __init__(self, *, required_message: str = "Choose the academic year.", **kwargs):
        kwargs.setdefault("label", "Academic year")
        kwargs.setdefault("choices", [])
        messages = {
            "required": required_message,
            "invalid_choice": "Choose an academic year from the list.",
        }
        super().__init__(coerce=int, error_messages=messages, **kwargs)


class YearForm(PortalFormMixin, forms.Form):
    """A page's school year, chosen in the query string from ``years`` (latest first).

    ``label`` names it: "Academic year", or "Exchange year" for the exchange.
    """

    year = AcademicYearField()

    def __init__(self, *args, years, label: str = "Academic year", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        field.label = label
        field.error_messages["invalid_choice"] = f"Choose an {label.lower()} from the list."
        field.choices = academic_year_choices(years)

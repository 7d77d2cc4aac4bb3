import time
import uuid
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context as allauth_context
from django import forms
from django.urls import reverse

from hubs_portal.lib.forms import CONTROL_CHARACTERS_MESSAGE, HEADER_BREAKERS
from hubs_portal.lib.urls import absolute_url, site_url
from notifications.services import email_queue

SITE_NAME = "Maths Hubs"

# Links allauth builds from the request before it calls send_mail, with no
# adapter hook on the way (flows.signup.send_unknown_account_mail,
# send_account_already_exists_mail): rebuilt here from SITE_URL. The links
# that carry a key have their own hooks below.
LINKS_BUILT_FROM_THE_REQUEST = {
    "account/email/unknown_account": {"signup_url": "account_signup"},
    "account/email/account_already_exists": {
        "signup_url": "account_signup",
        "password_reset_url": "account_reset_password",
    },
}


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Refuse addresses no e-mail can be sent to.

        Django's address check lets control characters through inside quotes
        ("ann\\x0bb"@example.org); no mail header can carry them, so the
        verification e-mail could never go.
        """
        if HEADER_BREAKERS.search(email):
            raise forms.ValidationError(CONTROL_CHARACTERS_MESSAGE)
        return super().clean_email(email)

    # Every link in allauth's e-mails comes from SITE_URL, never from the Host
    # header of the request that asked for the e-mail (hubs_portal/lib/urls.py).

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # The key is "<uid>-<token>", as allauth's own version puts it in the path.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send allauth's e-mails (verification, password reset) through the outbox.

        The message is rendered now, during the request, because its context
        holds objects a task could not receive; only strings are stored.
        """
        request = allauth_context.request
        site = SimpleNamespace(name=SITE_NAME, domain=urlsplit(site_url()).netloc)
        links = {
            name: absolute_url(reverse(url_name))
            for name, url_name in LINKS_BUILT_FROM_THE_REQUEST.get(template_prefix, {}).items()
        }
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": site,
                "site_url": site_url(),
                **context,
                **links,
            },
        )
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        email_queue(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
        )

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """allauth's rule, except that logging in counts as recent authentication for two factors.

        Hub teams are sent to set up an authenticator app as they log in
        (accounts/mfa.py), then shown their recovery codes: asking again for
        the password typed a moment ago would only be in the way. Later than
        ACCOUNT_REAUTHENTICATION_TIMEOUT (5 minutes) after logging in, turning
        two factors off or seeing the codes asks again, as allauth does.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa":
            return not self._logged_in_recently()
        return required

    def _logged_in_recently(self) -> bool:
        request = self.request or allauth_context.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        records = get_authentication_records(request, user)
        return bool(records) and (
            time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
        )

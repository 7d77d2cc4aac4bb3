import uuid
from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context

from notifications.services import email_queue

SITE_NAME = "Maths Hubs"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send allauth's e-mails (verification, password reset) through the outbox.

        The message is rendered now, during the request, because its context
        holds objects a task could not receive; only strings are stored.
        """
        request = allauth_context.request
        site = SimpleNamespace(name=SITE_NAME, domain=request.get_host() if request else "")
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": site, **context},
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

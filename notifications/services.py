"""Queue e-mails: rendered now, stored with the change, sent by a task after commit."""

from django.conf import settings
from django.template.loader import render_to_string

from notifications.models import Email


def email_render(template: str, context: dict) -> tuple[str, str, str]:
    """Render ``emails/<template>_subject.txt``, ``_body.txt`` and ``_body.html``.

    Templates also get ``site_url`` for absolute links (e-mails have no request).
    """
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}_body.txt", context)
    html = render_to_string(f"emails/{template}_body.html", context)
    return subject, text, html


def email_queue(
    *,
    key: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict | None = None,
) -> Email | None:
    """Record an e-mail for the event ``key`` and send it once the transaction commits.

    Returns None when an e-mail for that event already exists: recording the
    same event twice sends nothing more.
    """
    from notifications.tasks import send_email

    email, created = Email.objects.get_or_create(
        key=key,
        defaults={
            "to": to,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
        },
    )
    if not created:
        return None
    send_email.delay_on_commit(email.pk)
    return email


def email_queue_template(*, key: str, to: str, template: str, context: dict) -> Email | None:
    subject, text, html = email_render(template, context)
    return email_queue(key=key, to=to, subject=subject, body_text=text, body_html=html)

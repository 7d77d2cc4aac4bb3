from newsletters.models import Issue, Subscriber

HUB_PATHS = ["issue__hub", "subscriber__hub"]
KWARG_HINTS = {"issue": ["newsletters.Issue"], "subscriber": ["newsletters.Subscriber"]}


def build(hub, lead):
    Subscriber.objects.create(hub=hub, email="reader@example.org", status="confirmed")
    Issue.objects.create(hub=hub, subject="Autumn news", body_markdown="Hello", created_by=lead)

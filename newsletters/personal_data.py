"""What newsletters hold about a person: subscriptions by address, and issues a team member wrote.

Registered with accounts/personal_data.py from NewslettersConfig.ready().
Deleting an account deletes the subscriptions (and the record of each issue
sent to them); issues stay, as the hub's newsletter.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q

from accounts import personal_data
from accounts.models import DELETED_ACCOUNT
from accounts.personal_data import Person, by_address, when
from hubs.models import AuditEntry
from newsletters.models import Delivery, Issue, Subscriber


def export_subscriptions(person: Person) -> list[dict]:
    """Subscriptions under the person's addresses, with the issues sent (2 queries)."""
    subscribers = (
        by_address(Subscriber.objects.all(), "email", person.addresses)
        .select_related("hub")
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related("issue").order_by("issue__created_at"),
            )
        )
        .order_by("hub__name", "email")
    )
    return [
        {
            "hub": s.hub.name,
            "email": s.email,
            "status": s.get_status_display(),
            "signed_up_at": when(s.created_at),
            "confirmed_at": when(s.confirmed_at),
            "unsubscribed_at": when(s.unsubscribed_at),
            "issues": [
                {
                    "subject": d.issue.subject,
                    "status": d.get_status_display(),
                    "sent_at": when(d.sent_at),
                }
                for d in s.deliveries.all()
            ],
        }
        for s in subscribers
    ]


def erase_subscriptions(person: Person) -> None:
    for subscriber in by_address(Subscriber.objects.all(), "email", person.addresses).order_by(
        "pk"
    ):
        # Not audit_record: the subscriber's own name for itself is the address.
        AuditEntry.objects.create(
            hub_id=subscriber.hub_id,
            user=person.user,
            action="newsletter.subscriber_remove",
            content_type=ContentType.objects.get_for_model(Subscriber),
            object_id=str(subscriber.pk),
            object_repr=DELETED_ACCOUNT,
            before={"status": subscriber.status},
            after={"reason": "account deleted"},
        )
        subscriber.delete()


def export_issues(person: Person) -> list[dict]:
    user = person.user
    return [
        {
            "hub": i.hub.name,
            "subject": i.subject,
            "status": i.get_status_display(),
            "written_by_you": i.created_by_id == user.pk,
            "sent_by_you": i.sent_by_id == user.pk,
            "created_at": when(i.created_at),
            "sent_at": when(i.sent_at),
        }
        for i in Issue.objects.filter(Q(created_by=user) | Q(sent_by=user))
        .select_related("hub")
        .order_by("created_at", "pk")
    ]


personal_data.register(
    "newsletter_subscriptions",
    order=220,
    export=export_subscriptions,
    erase=erase_subscriptions,
    addresses={"newsletters.Subscriber.email": "newsletter_subscriptions (by address; deleted)"},
)
personal_data.register(
    "hub_team_work.newsletter_issues",
    order=640,
    export=export_issues,
    links={
        "newsletters.Issue.created_by": "kept: the hub's newsletter",
        "newsletters.Issue.sent_by": "kept: the hub's newsletter",
    },
)

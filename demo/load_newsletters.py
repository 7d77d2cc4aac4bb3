"""Every hub's newsletter: subscribers (most confirmed), one issue sent with its deliveries,
and a draft in the demo hub for its team to try sending.

Subscribers have demo addresses (how --reset finds them); issues are written
by the hub's demo lead, and deliveries go with the issue or the subscriber.
"""

from datetime import timedelta

from django.urls import reverse

from hubs_portal.lib.urls import absolute_url
from newsletters.models import Delivery, Issue, Subscriber
from workgroups.models import WorkGroup

from .accounts import TEACHER
from .texts import DRAFT_BODY, DRAFT_SUBJECT, NEWSLETTER_BODY, NEWSLETTER_SUBJECT
from .workgroups import DEMO_PREFIX
from .world import World

SUBSCRIBED = Subscriber.Status


def load_newsletters(world: World) -> None:
    rng = world.rng("newsletters")
    open_groups: dict[int, list[WorkGroup]] = {}
    for group in (
        WorkGroup.objects.filter(
            slug__startswith=DEMO_PREFIX,
            academic_year=world.this_year,
            status=WorkGroup.Status.OPEN,
        )
        .order_by("starts_on", "slug")
        .only("hub_id", "title", "slug", "starts_on")
    ):
        open_groups.setdefault(group.hub_id, []).append(group)
    with_issues = set(Issue.objects.values_list("hub_id", flat=True))
    subscribers, issues, plans = [], [], []
    sent_at = world.capped(world.at(world.today - timedelta(days=rng.randint(20, 40)), 16))
    for hub in world.hubs:
        crowd = world.teachers.get(hub.pk, [])
        readers = rng.sample(crowd, min(len(crowd), rng.randint(18, 36)))
        addresses = [t.email for t in readers]
        if hub.pk == world.demo_hub.pk:
            addresses.append(TEACHER.email)
        existing = {
            e.lower() for e in Subscriber.objects.filter(hub=hub).values_list("email", flat=True)
        }
        mine = []
        for email in addresses:
            if email.lower() in existing:
                continue
            created = sent_at - timedelta(days=rng.uniform(5, 700))
            status = rng.choices(
                [SUBSCRIBED.CONFIRMED, SUBSCRIBED.PENDING, SUBSCRIBED.UNSUBSCRIBED], [85, 7, 8]
            )[0]
            if email == TEACHER.email:
                status = SUBSCRIBED.CONFIRMED
            subscriber = Subscriber(
                hub=hub, email=email, status=status, created_at=created, confirmations_sent=1
            )
            if status != SUBSCRIBED.PENDING:
                subscriber.confirmed_at = created + timedelta(hours=rng.uniform(0.1, 30))
            if status == SUBSCRIBED.UNSUBSCRIBED:
                subscriber.unsubscribed_at = world.capped(
                    max(
                        subscriber.confirmed_at + timedelta(days=1),
                        sent_at + timedelta(days=rng.uniform(-200, 15)),
                    )
                )
            if status == SUBSCRIBED.PENDING:
                subscriber.created_at = world.capped(world.now - timedelta(days=rng.uniform(1, 6)))
            mine.append(subscriber)
        subscribers.extend(mine)
        if hub.pk in with_issues:
            continue
        lines = (
            "\n".join(
                f"- [{g.title}]({absolute_url(reverse('workgroups:detail', args=[g.slug]))}), "
                f"from {g.starts_on:%-d %B %Y}"
                for g in open_groups.get(hub.pk, [])[:6]
                if g.starts_on
            )
            or "- New Work Groups will be announced soon."
        )
        recorder = world.recorders[hub.pk]
        issue = Issue(
            hub=hub,
            subject=NEWSLETTER_SUBJECT.format(hub=hub.name),
            body_markdown=NEWSLETTER_BODY.format(
                hub=hub.name, year=f"{world.this_year}-{(world.this_year + 1) % 100:02d}",
                groups=lines,
            ),
            status=Issue.Status.SENT, created_by=recorder, sent_by=recorder,
            created_at=sent_at - timedelta(days=3), updated_at=sent_at - timedelta(days=1),
            sending_started_at=sent_at, sent_at=sent_at + timedelta(minutes=4),
        )  # fmt: skip
        # Everyone confirmed at the time of sending, and not yet unsubscribed, got a copy.
        reached = [
            s
            for s in mine
            if s.confirmed_at
            and s.confirmed_at < sent_at
            and (s.unsubscribed_at is None or s.unsubscribed_at > sent_at)
        ]
        issue.recipients_count = issue.sent_count = len(reached)
        issues.append(issue)
        plans.append((issue, reached))
        if hub.pk == world.demo_hub.pk:
            issues.append(
                Issue(
                    hub=hub, subject=DRAFT_SUBJECT.format(hub=hub.name), body_markdown=DRAFT_BODY,
                    created_by=world.recorders[hub.pk], created_at=world.now - timedelta(days=2),
                    updated_at=world.now - timedelta(days=2),
                )
            )  # fmt: skip
    Subscriber.objects.bulk_create(subscribers)
    Issue.objects.bulk_create(issues)
    deliveries = [
        Delivery(
            issue=issue,
            subscriber=subscriber,
            status=Delivery.Status.SENT,
            sent_at=issue.sending_started_at + timedelta(seconds=rng.uniform(1, 240)),
        )
        for issue, reached in plans
        for subscriber in reached
    ]
    Delivery.objects.bulk_create(deliveries)
    world.counts["newsletter subscribers"] += len(subscribers)
    world.counts["newsletter issues"] += len(issues)
    world.counts["newsletter deliveries"] += len(deliveries)

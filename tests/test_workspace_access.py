"""Every hub-management URL refuses people who are not on that hub's team.

The URLs are discovered from the URL configuration: a view added under
manage/<hub_slug>/ is walked here without anyone remembering to list it.
Each is requested, GET and POST, with the ids of real records of the hub,
by the lead of another hub, by a teacher and by an anonymous visitor; every
request must be refused and no row anywhere may change.
"""

import itertools
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from hubs.models import HubMembership, LeadershipTeamMember, Organisation, Partnership
from tests import workspace_worlds
from tests.factories import make_school, make_session, make_teacher, make_workgroup
from tests.urlwalk import OUR_APPS, candidates, hub_record_ids, workspace_patterns
from workgroups.models import Enrolment


def database_state() -> dict:
    """Every row of our models, to prove a refused request changed nothing."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS:
            rows = model.objects.order_by("pk").values()
            # Logging in (force_login) stamps last_login; that is not a change
            # made by the requests under test.
            state[model._meta.label] = [
                {k: v for k, v in row.items() if k != "last_login"} for row in rows
            ]
    return state


@pytest.fixture
def hub_world(hub, hub_lead):
    """A hub with a record of every kind a workspace URL can name."""
    workgroup = make_workgroup(hub, title="Mastering Fractions")
    session = make_session(workgroup, 1, timezone.now() + timedelta(days=7))
    make_session(workgroup, 2, timezone.now() + timedelta(days=35))
    teacher = make_teacher()
    Enrolment.objects.create(workgroup=workgroup, teacher=teacher, status="confirmed")
    Enrolment.objects.create(workgroup=workgroup, teacher=make_teacher(), status="waiting")
    workgroup.__class__.objects.filter(pk=workgroup.pk).update(places_taken=1)
    Partnership.objects.create(
        hub=hub,
        role=Partnership.Role.OPERATIONAL,
        organisation=Organisation.objects.create(name="Teesside University", kind="university"),
    )
    Partnership.objects.create(
        hub=hub, role=Partnership.Role.STRATEGIC, school=make_school(name="Dene Academy")
    )
    LeadershipTeamMember.objects.create(hub=hub, name="Alex Example", role="senior_lead")
    HubMembership.objects.create(hub=hub, user=make_teacher(), role="member")
    for world in workspace_worlds.modules():
        world.build(hub, hub_lead)
    assert session.pk
    return hub


def requests_for(route_kwargs: list[str], ids: dict[str, list[int]]):
    """Every combination of the hub's record ids for the URL's id arguments."""
    choices = [candidates(kwarg, ids) for kwarg in route_kwargs]
    for combination in itertools.product(*choices):
        yield dict(zip(route_kwargs, combination, strict=True))


def test_the_workspace_has_urls_to_walk():
    names = {name for _, name, _ in workspace_patterns()}
    assert "manage-hubs:dashboard" in names
    assert len(names) >= 10, sorted(names)


def test_every_workspace_url_refuses_outsiders_and_changes_nothing(
    client, hub_world, hub_lead, other_hub_lead
):
    hub = hub_world
    ids = hub_record_ids(hub)
    teacher = make_teacher()
    outsiders = [("lead of another hub", other_hub_lead), ("teacher", teacher), ("anonymous", None)]
    before = database_state()
    reachable_for_lead = {}

    for _route, name, int_kwargs in workspace_patterns():
        reachable_for_lead[name] = False
        for kwargs in requests_for(int_kwargs, ids):
            url = reverse(name, kwargs={"hub_slug": hub.slug, **kwargs})
            for who, user in outsiders:
                client.logout()
                if user:
                    client.force_login(user)
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    if user is None:
                        assert response.status_code == 302, (who, method, url)
                        assert response["Location"].startswith(reverse("account_login"))
                    else:
                        assert response.status_code in {403, 404}, (
                            f"{who} got {response.status_code} for {method.upper()} {url}"
                        )
            client.force_login(hub_lead)
            if client.get(url).status_code in {200, 302, 405}:
                reachable_for_lead[name] = True

    assert database_state() == before
    # The walk means something only if the ids reached real records: the
    # hub's own lead must get through to every URL with at least one of them.
    assert [name for name, ok in reachable_for_lead.items() if not ok] == []


# ---- Two-factor authentication before any management page ----------------------


def report_urls(hub) -> list[str]:
    """Every report URL (discovered as the workspace's are), for the hub and its Work Group."""
    slugs = {"reports:hub": hub.slug, "reports:workgroup": hub.workgroups.first().slug}
    urls = []
    for _route, name, kwargs in workspace_patterns(under="reports/"):
        values = {"code": hub.region.code, "slug": slugs.get(name)}
        urls.append(reverse(name, kwargs={key: values[key] for key in kwargs}))
    return urls


def admin_urls() -> list[str]:
    """The admin's index, and every registered model's list, add, change, delete and history."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        record = model.objects.order_by("pk").first()
        if record is not None:
            urls += [reverse(f"{prefix}_{view}", args=[record.pk]) for view in VIEWS_OF_A_RECORD]
    return urls


VIEWS_OF_A_RECORD = ["change", "delete", "history"]


def test_every_management_url_sends_people_without_two_factors_to_set_them_up(client, hub_world):
    """A team member, NCETM staff and a superuser, none with an authenticator app.

    Every workspace URL (with ids of real records), every report and every
    admin page, GET and POST, sends them to allauth's activation page, and no
    row anywhere changes. Teachers are never sent there (the walk above gets
    them their 403 or 404).
    """
    hub = hub_world
    ids = hub_record_ids(hub)
    lead = make_teacher()
    HubMembership.objects.create(hub=hub, user=lead, role=HubMembership.Role.LEAD)
    people = [
        ("team member", lead),
        ("NCETM staff", User.objects.create_user("officer@ncetm.example.org", is_ncetm_staff=True)),
        ("superuser", User.objects.create_superuser("root@ncetm.example.org", "Sup3r-secret-1")),
    ]
    urls = [
        # One combination of ids per URL is enough: the gate looks at the path only.
        reverse(name, kwargs={"hub_slug": hub.slug, **next(requests_for(kwargs, ids))})
        for _route, name, kwargs in workspace_patterns()
    ]
    urls += [reverse("manage-home"), *report_urls(hub), *admin_urls()]
    activate = reverse("mfa_activate_totp")
    before = database_state()

    for who, user in people:
        client.force_login(user)
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert (response.status_code, response.get("Location")) == (302, activate), (
                    f"{who} got {response.status_code} for {method.upper()} {url}"
                )

    assert database_state() == before
    assert not Authenticator.objects.filter(user__in=[user for _, user in people]).exists()

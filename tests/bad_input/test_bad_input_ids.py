"""Other people's ids, in URLs and in form fields: not found (or refused), nothing changed.

tests/test_workspace_access.py proves outsiders cannot open a hub's
workspace. Here the person is let in, to their own hub, and then names
another hub's records: in the URL under their own hub's address, or in a
form field. And a teacher names another teacher's enrolment.
"""

import itertools
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange.models import ObserverRegistration, Showcase
from projects.models import ProjectSchool
from tests.bad_input.test_bad_input import CASES, _error_shown, manage_url
from tests.factories import make_school, make_session, make_teacher
from tests.test_workspace_access import database_state, workspace_patterns
from workgroups.models import Enrolment, WorkGroup

# Which model an id in a workspace URL names: by argument, or for a bare "pk"
# by the first part of the path after the hub.
KWARG_MODELS = {
    "session_pk": "session",
    "participation_pk": "participation",
    "project_school_pk": "project_school",
    "allocation_pk": "allocation",
    "spend_pk": "spend",
    "nomination_pk": "host",
    "shanghai_pk": "guest",
    "showcase_pk": "showcase",
}
PK_MODELS = {
    "partners": "partnership",
    "leadership": "leader",
    "team": "member",
    "workgroups": "workgroup",
    "newsletter": "issue",
}


def _record(route: str, kwarg: str) -> str:
    if kwarg != "pk":
        return KWARG_MODELS[kwarg]
    section = route.removeprefix("manage/<slug:hub_slug>/").split("/")[0]
    return PK_MODELS[section]


@pytest.fixture
def worlds(world):
    return world, world.other


def test_a_lead_naming_another_hubs_records_under_their_own_hub_finds_nothing(worlds, lead_client):
    """Every workspace URL with an id, each id in turn another hub's, GET and POST: 404.

    Two-id URLs (a Work Group's session) are also tried with the lead's own
    Work Group and the other hub's session, and the other way round.
    """
    own, other = worlds
    before = database_state()
    tried = 0
    for route, name, kwargs in workspace_patterns():
        if not kwargs:
            continue
        records = [_record(route, kwarg) for kwarg in kwargs]
        own_ids = [getattr(own, record).pk for record in records]
        other_ids = [getattr(other, record).pk for record in records]
        # The lead's own ids reach the page: the ids below are the only difference.
        url = reverse(
            name, kwargs={"hub_slug": own.hub.slug, **dict(zip(kwargs, own_ids, strict=True))}
        )
        assert lead_client.get(url).status_code in {200, 302, 405}, url
        for choice in itertools.product(*zip(own_ids, other_ids, strict=True)):
            if list(choice) == own_ids:
                continue
            url = reverse(
                name, kwargs={"hub_slug": own.hub.slug, **dict(zip(kwargs, choice, strict=True))}
            )
            # A method the view does not take says 405 before anything is looked up.
            statuses = {lead_client.get(url).status_code, lead_client.post(url).status_code}
            assert 404 in statuses, (url, statuses)
            assert statuses <= {404, 405}, (url, statuses)
            tried += 1
    assert tried > 20
    assert database_state() == before


def test_a_session_or_a_school_is_only_found_through_its_own_parent(worlds, lead_client):
    """Within one hub: Work Group A's session under Work Group B; project P's school under Q."""
    own, _other = worlds
    other_group = own.closed
    make_session(other_group, 1, timezone.now() + timedelta(days=3))
    participation = own.participation
    second = participation.__class__.objects.create(
        hub=own.hub, project=participation.project, academic_year=participation.academic_year - 1
    )
    ProjectSchool.objects.create(participation=second, school=make_school(), part="pilot")
    before = database_state()

    urls = [
        manage_url(f"manage-workgroups:{view}", own, pk=other_group.pk, session_pk=own.session.pk)
        for view in ("session-edit", "session-delete", "attendance")
    ] + [
        manage_url(
            "manage-projects:school-remove",
            own,
            participation_pk=second.pk,
            project_school_pk=own.project_school.pk,
        )
    ]
    for url in urls:
        for method in (lead_client.get, lead_client.post):
            assert method(url).status_code in {404, 405}, url
    assert database_state() == before


# Form fields that offer only the hub's own records: (form, field, the other hub's record).
FOREIGN_CHOICES = [
    ("showcase add", "host_school", lambda o: o.host_school.pk),
    ("showcase add", "shanghai_teacher", lambda o: o.guest.pk),
    ("showcase edit", "shanghai_teacher", lambda o: o.guest.pk),
    ("Shanghai teacher add", "hosts", lambda o: [o.host2.pk]),
    ("Shanghai teacher hosts", "hosts", lambda o: [o.host.pk]),
    ("project work groups", "workgroups", lambda o: [o.workgroup.pk]),
    ("attendance", "enrolments", lambda o: [o.enrolments[0].pk]),
    ("completion", "enrolments", lambda o: [o.enrolments[0].pk]),
]


def test_a_form_refuses_another_hubs_record_beside_the_field(worlds, lead_client):
    own, other = worlds
    before = database_state()
    for form_name, field, foreign in FOREIGN_CHOICES:
        case = CASES[form_name]
        response = lead_client.post(case.url(own), {**case.valid(own), field: foreign(other)})

        assert response.status_code == 200, (form_name, field, response.status_code)
        bound = response.context[case.form_key][field]
        assert bound.errors, (form_name, field)
        assert _error_shown(response, bound), (form_name, field)
    assert database_state() == before


def test_a_teacher_cannot_withdraw_someone_elses_enrolment(worlds):
    own, _other = worlds
    mine, theirs = own.enrolments
    client = Client()
    client.force_login(mine.teacher)
    before = database_state()

    for pk in [theirs.pk, own.enrolments[1].pk, 99999999999999999999]:
        response = client.post(reverse("workgroups:withdraw", args=[pk]))
        assert response.status_code == 404
    assert client.get(reverse("workgroups:withdraw", args=[mine.pk])).status_code == 405
    assert database_state() == before
    assert Enrolment.objects.get(pk=theirs.pk).status == Enrolment.Status.CONFIRMED


def test_a_teacher_cancelling_a_showcase_they_are_not_on_leaves_the_others_places(worlds):
    own, _other = worlds
    Showcase.objects.filter(pk=own.showcase.pk).update(status=Showcase.Status.OPEN, places_taken=1)
    observer = make_teacher()
    ObserverRegistration.objects.create(showcase=own.showcase, teacher=observer)
    client = Client()
    client.force_login(make_teacher())
    before = database_state()

    response = client.post(reverse("exchange:cancel", args=[own.showcase.pk]), follow=True)

    assert response.status_code == 200
    assert re.search(r"not registered|no place", response.content.decode(), re.IGNORECASE)
    assert database_state() == before


def test_a_teacher_cannot_join_a_draft_or_another_hubs_unpublished_group(worlds):
    own, _other = worlds
    draft = WorkGroup.objects.create(
        hub=own.hub,
        title="Not yet",
        slug="not-yet",
        description="Draft",
        local_need="Need",
        academic_year=own.workgroup.academic_year,
        capacity=5,
    )
    client = Client()
    client.force_login(make_teacher())
    before = database_state()

    assert client.post(reverse("workgroups:join", args=[draft.slug])).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert database_state() == before


def test_a_hub_team_reading_another_hubs_reports_finds_nothing(worlds, lead_client):
    _own, other = worlds
    for url in [
        reverse("reports:hub", args=[other.hub.slug]),
        reverse("reports:workgroup", args=[other.workgroup.slug]),
    ]:
        for query in ({}, {"format": "csv"}, {"format": "xlsx"}):
            response = lead_client.get(url, query)
            assert response.status_code == 404, (url, query)

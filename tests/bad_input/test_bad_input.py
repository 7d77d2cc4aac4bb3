"""Every form refuses bad input with a clear message next to the field, and writes nothing.

The forms are not listed field by field: each one in ``FORMS`` is fetched,
its fields are read from the form the view renders, and every field gets the
attacks its type calls for (too long, a NUL byte, an invisible control
character, a choice that is not on the list, a number or date that cannot
be, an id that does not exist or belongs to another hub). A field added to a
form tomorrow is attacked the day it is added.

For every attack: the page comes back (200, never a 500), the field carries
an error that is shown beside it, and no row anywhere has changed. Then the
form's valid data is sent once to prove the attacks failed because of the
attack alone.

The other files ``test_bad_input_*.py`` cover open-ended text (Hypothesis),
what is shown back (escaping), e-mail headers, the CSV import, signed links
and other people's ids. They share ``build_world`` below.
"""

import importlib
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django import forms
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from exchange.models import ExchangeTeacher, ExchangeYear, Pairing, ShanghaiTeacher, Showcase
from hubs.models import Hub, HubMembership, LeadershipTeamMember, Partnership, School
from hubs_portal.lib.academic_year import current_academic_year
from hubs_portal.lib.forms import PortalFormMixin
from newsletters.models import Issue, Subscriber
from projects.forms import MoneyField
from projects.models import Allocation, NationalProject, ProjectParticipation, ProjectSchool, Spend
from tests.factories import make_school, make_session, make_teacher, make_workgroup, phase
from tests.helpers import activate_totp
from tests.test_workspace_access import database_state
from workgroups.filters import WorkGroupFilter
from workgroups.models import Enrolment, WorkGroup

# --- A hub with a record of every kind a form can change ------------------------


def build_world(hub, lead) -> SimpleNamespace:
    """Records of the hub that the forms act on; ``lead`` is the hub's lead."""
    now = timezone.now()
    today = timezone.localdate()
    year = current_academic_year()
    w = SimpleNamespace(hub=hub, lead=lead)

    w.workgroup = make_workgroup(hub, title="Reasoning in Year 5")
    w.session = make_session(w.workgroup, 1, now + timedelta(days=7))
    w.session2 = make_session(w.workgroup, 2, now + timedelta(days=35))
    w.teachers = [make_teacher(), make_teacher()]
    w.enrolments = [
        Enrolment.objects.create(
            workgroup=w.workgroup, teacher=t, school=t.school, status="confirmed", confirmed_at=now
        )
        for t in w.teachers
    ]
    WorkGroup.objects.filter(pk=w.workgroup.pk).update(places_taken=2)
    w.closed = make_workgroup(hub, title="Closed group", status=WorkGroup.Status.CLOSED)

    w.partnership = Partnership.objects.create(
        hub=hub,
        role=Partnership.Role.STRATEGIC,
        school=make_school(name="Dene Academy"),
        start_date=today - timedelta(days=365),
    )
    w.leader = LeadershipTeamMember.objects.create(hub=hub, name="Alex Example", role="senior_lead")
    w.member = HubMembership.objects.create(hub=hub, user=make_teacher(), role="member")
    w.candidate = make_teacher()  # an account not yet on the team

    w.exchange_year, _ = ExchangeYear.objects.get_or_create(
        academic_year=year,
        defaults={
            "shanghai_visit_start": today - timedelta(days=2),
            "shanghai_visit_end": today + timedelta(days=12),
        },
    )
    w.host_school = make_school(name=f"Hosting Primary {hub.slug}")
    w.host = ExchangeTeacher.objects.create(
        hub=hub,
        exchange_year=w.exchange_year,
        teacher_name="Hana Host",
        school=w.host_school,
        phase="primary",
    )
    w.host2 = ExchangeTeacher.objects.create(
        hub=hub,
        exchange_year=w.exchange_year,
        teacher_name="Una Unpaired",
        school=w.host_school,
        phase="primary",
    )
    w.guest = ShanghaiTeacher.objects.create(
        hub=hub,
        exchange_year=w.exchange_year,
        name="Li Wei",
        shanghai_school="Jing'an No. 1",
        phase="primary",
    )
    Pairing.objects.create(shanghai_teacher=w.guest, english_teacher=w.host)
    starts = now + timedelta(days=3)
    w.showcase = Showcase.objects.create(
        hub=hub,
        exchange_year=w.exchange_year,
        host_school=w.host_school,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        class_and_topic="Year 4: equivalent fractions",
        shanghai_teacher=w.guest,
        observer_places=10,
    )
    past = now - timedelta(days=1)
    w.past_showcase = Showcase.objects.create(
        hub=hub,
        exchange_year=w.exchange_year,
        host_school=w.host_school,
        starts_at=past,
        ends_at=past + timedelta(hours=2),
        class_and_topic="Year 7: ratio",
        observer_places=10,
        status=Showcase.Status.CLOSED,
    )

    w.project = NationalProject.objects.get(slug="teaching-for-mastery")
    w.participation = ProjectParticipation.objects.create(
        hub=hub, project=w.project, academic_year=year, local_lead="Sam Lead"
    )
    w.project_school = ProjectSchool.objects.create(
        participation=w.participation, school=make_school(name="Pilot Primary"), part="pilot"
    )
    w.participation.workgroups.add(w.workgroup)
    w.allocation = Allocation.objects.create(
        hub=hub,
        academic_year=year,
        category=Allocation.Category.STRUCTURAL,
        amount=Decimal("12000.00"),
        recorded_by=lead,
    )
    w.spend = Spend.objects.create(
        hub=hub,
        spent_on=today,
        category=Spend.Category.CLASSROOM_CPD,
        amount=Decimal("450.00"),
        description="Supply cover",
        recorded_by=lead,
    )

    w.subscriber = Subscriber.objects.create(
        hub=hub, email=f"reader@{hub.slug}.example.org", status="confirmed"
    )
    w.issue = Issue.objects.create(
        hub=hub, subject="Autumn news", body_markdown="Hello", created_by=lead
    )
    return w


def shared_worlds(django_db_blocker):
    """Two hubs' worlds, built once per test module inside a transaction rolled back at its end.

    For a module-scoped fixture (``yield from shared_worlds(django_db_blocker)``).
    Building the worlds (with the reference data) is most of a test's time, so
    a module builds them once, as Django's ``setUpTestData`` does: each test's
    own transaction (``db``) is then a savepoint on top, rolled back after it.
    The own hub is Archimedes NE (its lead ``world.lead``), the other North
    West One (``world.other``, its lead ``world.other.lead``).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_reference_data", stdout=io.StringIO())
            w = build_world(Hub.objects.get(slug="archimedes-ne"), _lead("archimedes-ne"))
            w.other = build_world(Hub.objects.get(slug="north-west-one"), _lead("north-west-one"))
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield w
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _lead(slug: str):
    """A lead of the hub, with the authenticator app the workspace asks hub teams for."""
    from accounts.models import User

    user = User.objects.create_user(f"bad-input-lead@{slug}.example.org", full_name="Lee Lead")
    HubMembership.objects.create(hub=Hub.objects.get(slug=slug), user=user, role="lead")
    return activate_totp(user)


def manage_url(name: str, w, **kwargs) -> str:
    return reverse(name, kwargs={"hub_slug": w.hub.slug, **kwargs})


# --- The forms, each with data it accepts ----------------------------------------


@dataclass
class FormCase:
    """A form page: where it is, what it accepts, and where its form is in the context."""

    name: str
    url: object  # world -> URL
    valid: object  # world -> POST data the form accepts
    client: str = "lead"  # "lead", or "anonymous" for a public form
    form_key: str = "form"
    prefix: str = ""
    # Where the form is shown, when the URL it posts to only takes POST.
    page_url: object = None  # world -> URL

    def __str__(self) -> str:
        return self.name


def _year() -> str:
    return str(current_academic_year())


def _workgroup_data(w) -> dict:
    return {
        "title": "Fractions in Year 4",
        "programme": "",
        "local_need": "Schools asked for help with fractions.",
        "phases": [phase("primary").pk],
        "audience": "teachers",
        "description": "Four sessions on fractions.",
        "delivery": "in_person",
        "academic_year": _year(),
        "capacity": "20",
        "eligibility": "",
        "application_deadline": "",
        "cost": "0",
        "lead_name": "",
    }


def _session_data(w) -> dict:
    starts = timezone.localtime() + timedelta(days=60)
    return {
        "order": "3",
        "starts_at": f"{starts:%Y-%m-%dT16:00}",
        "ends_at": f"{starts:%Y-%m-%dT18:00}",
        "venue_name": "Carmel College",
        "venue_address": "Darlington DL3 8RW",
        "gap_task": "Try a bar model.",
    }


def _showcase_data(w) -> dict:
    starts = timezone.localtime() + timedelta(days=4)
    return {
        "class_and_topic": "Year 5: area",
        "host_school": w.host_school.pk,
        "shanghai_teacher": w.guest.pk,
        "starts_at": f"{starts:%Y-%m-%dT09:30}",
        "ends_at": f"{starts:%Y-%m-%dT11:30}",
        "observer_places": "12",
        "year": str(w.exchange_year.academic_year),
    }


FORMS = [
    # hubs: partners, leadership team, contact details, team
    FormCase(
        "partner add",
        lambda w: manage_url("manage-hubs:partner-add", w),
        lambda w: {
            "role": "operational",
            "new_organisation_name": "Teesside University",
            "new_organisation_kind": "university",
            "start_date": f"{timezone.localdate():%Y-%m-%d}",
            "status": "confirmed",
        },
    ),
    FormCase(
        "partner end",
        lambda w: manage_url("manage-hubs:partner-end", w, pk=w.partnership.pk),
        lambda w: {"end_date": f"{timezone.localdate():%Y-%m-%d}"},
    ),
    FormCase(
        "leader add",
        lambda w: manage_url("manage-hubs:leader-add", w),
        lambda w: {
            "name": "Pat Person",
            "role": "maths_lead",
            "email": "pat@example.org",
            "display_order": "1",
        },
    ),
    FormCase(
        "leader edit",
        lambda w: manage_url("manage-hubs:leader-edit", w, pk=w.leader.pk),
        lambda w: {
            "name": "Alex Renamed",
            "role": "senior_lead",
            "email": "",
            "display_order": "0",
        },
    ),
    FormCase(
        "contact details",
        lambda w: manage_url("manage-hubs:contact-edit", w),
        lambda w: {"contact_email": "info@example.org", "website": "https://www.example.org/"},
    ),
    FormCase(
        "team add",
        lambda w: manage_url("manage-hubs:team-add", w),
        lambda w: {"email": w.candidate.email, "role": "member"},
        page_url=lambda w: manage_url("manage-hubs:team", w),
    ),
    # workgroups
    FormCase(
        "work group create",
        lambda w: manage_url("manage-workgroups:create", w),
        _workgroup_data,
    ),
    FormCase(
        "work group edit",
        lambda w: manage_url("manage-workgroups:edit", w, pk=w.workgroup.pk),
        _workgroup_data,
    ),
    FormCase(
        "places",
        lambda w: manage_url("manage-workgroups:places", w, pk=w.workgroup.pk),
        lambda w: {"capacity": "25"},
        form_key="places_form",
        page_url=lambda w: manage_url("manage-workgroups:detail", w, pk=w.workgroup.pk),
    ),
    FormCase(
        "completion",
        lambda w: manage_url("manage-workgroups:completion", w, pk=w.workgroup.pk),
        lambda w: {"enrolments": [w.enrolments[0].pk]},
        form_key="completion_form",
        page_url=lambda w: manage_url("manage-workgroups:detail", w, pk=w.workgroup.pk),
    ),
    FormCase(
        "session create",
        lambda w: manage_url("manage-workgroups:session-create", w, pk=w.workgroup.pk),
        _session_data,
    ),
    FormCase(
        "session edit",
        lambda w: manage_url(
            "manage-workgroups:session-edit", w, pk=w.workgroup.pk, session_pk=w.session2.pk
        ),
        _session_data,
    ),
    FormCase(
        "attendance",
        lambda w: manage_url(
            "manage-workgroups:attendance", w, pk=w.workgroup.pk, session_pk=w.session.pk
        ),
        lambda w: {"enrolments": [w.enrolments[0].pk]},
    ),
    FormCase(
        "participants message",
        lambda w: manage_url("manage-workgroups:message", w, pk=w.workgroup.pk),
        lambda w: {"subject": "Room change", "body": "We meet in room 4."},
    ),
    FormCase(
        "evaluation",
        lambda w: manage_url("manage-workgroups:evaluation", w, pk=w.closed.pk),
        lambda w: {"outcomes": "Teachers tried bar models.", "impact_notes": "Pupils explain."},
    ),
    # newsletters
    FormCase(
        "newsletter sign-up",
        lambda w: reverse("newsletters:subscribe", args=[w.hub.slug]),
        lambda w: {"newsletter-email": "new.reader@example.org"},
        client="anonymous",
        form_key="newsletter_form",
        prefix="newsletter",
    ),
    FormCase(
        "newsletter issue new",
        lambda w: manage_url("manage-newsletters:issue-new", w),
        lambda w: {"subject": "Spring news", "body_markdown": "## Hello\n\nNews."},
    ),
    FormCase(
        "newsletter issue edit",
        lambda w: manage_url("manage-newsletters:issue-edit", w, pk=w.issue.pk),
        lambda w: {"subject": "Autumn news, again", "body_markdown": "Hello again."},
    ),
    # projects and funding
    FormCase(
        "participation create",
        lambda w: manage_url("manage-projects:create", w),
        lambda w: {
            "project": NationalProject.objects.exclude(pk=w.project.pk)
            .filter(first_year__lte=current_academic_year())
            .exclude(last_year__lt=current_academic_year())
            .order_by("pk")
            .first()
            .pk,
            "academic_year": _year(),
            "local_lead": "Pat Lead",
            "targets": "Ten schools.",
            "outcomes": "",
        },
    ),
    FormCase(
        "participation edit",
        lambda w: manage_url("manage-projects:edit", w, participation_pk=w.participation.pk),
        lambda w: {"local_lead": "Sam Renamed", "targets": "Twelve schools.", "outcomes": ""},
    ),
    FormCase(
        "project school add",
        lambda w: manage_url("manage-projects:school-add", w, participation_pk=w.participation.pk),
        lambda w: {"school": make_school(name="Harrowgate Primary").pk, "part": "participant"},
    ),
    FormCase(
        "project work groups",
        lambda w: manage_url("manage-projects:workgroups", w, participation_pk=w.participation.pk),
        lambda w: {"workgroups": [w.workgroup.pk]},
    ),
    FormCase(
        "allocation",
        lambda w: manage_url("manage-funding:allocation-add", w),
        lambda w: {
            "academic_year": _year(),
            "sponsor": "dfe",
            "category": "structural",
            "project": "",
            "amount": "£1,250.50",
            "note": "Grant letter 42",
        },
    ),
    FormCase(
        "spending",
        lambda w: manage_url("manage-funding:spend-add", w),
        lambda w: {
            "spent_on": f"{timezone.localdate():%Y-%m-%d}",
            "category": "classroom_cpd",
            "project": "",
            "amount": "480.00",
            "description": "Supply cover",
        },
    ),
    # exchange
    FormCase(
        "exchange nomination",
        lambda w: manage_url("manage-exchange:nomination-add", w),
        lambda w: {
            "exchange_year": w.exchange_year.pk,
            "teacher_name": "Nia Nominee",
            "school": w.host_school.pk,
            "phase": "primary",
            "email": "nia@example.org",
        },
    ),
    FormCase(
        "Shanghai teacher add",
        lambda w: manage_url("manage-exchange:shanghai-add", w),
        lambda w: {
            "name": "Zhang Min",
            "shanghai_school": "Pudong No. 2",
            "phase": "primary",
            "hosts": [w.host2.pk],
            "year": str(w.exchange_year.academic_year),
        },
    ),
    FormCase(
        "Shanghai teacher hosts",
        lambda w: manage_url("manage-exchange:shanghai-pair", w, shanghai_pk=w.guest.pk),
        lambda w: {"hosts": [w.host.pk, w.host2.pk]},
    ),
    FormCase(
        "showcase add",
        lambda w: manage_url("manage-exchange:showcase-add", w),
        _showcase_data,
    ),
    FormCase(
        "showcase edit",
        lambda w: manage_url("manage-exchange:showcase-edit", w, showcase_pk=w.showcase.pk),
        _showcase_data,
    ),
    FormCase(
        "showcase notes",
        lambda w: manage_url("manage-exchange:showcase-notes", w, showcase_pk=w.past_showcase.pk),
        lambda w: {"discussion_notes": "Observers noticed the variation."},
    ),
]

CASES = {case.name: case for case in FORMS}


# --- Attacks by field type ----------------------------------------------------------

NUL = "\x00"
# An invisible character nobody types: XML (Excel files) and some mail software refuse it.
ESCAPE = "\x1b"
NOT_NUMBERS = ["abc", "-1", "99999999999999999999", "²"]
NOT_DATES = ["2026-02-30", "99999-01-01", "yesterday"]
NOT_DATETIMES = ["2026-02-30T10:00", "2026-10-01T25:00", "now"]
NOT_IDS = ["abc", "99999999999999999999", "²", NUL]
NOT_CHOICES = ["not-a-choice", NUL]


def attacks(name: str, field: forms.Field, valid_value) -> list[tuple[str, object]]:
    """(what, value) pairs for one field; each must be refused."""
    base = valid_value if isinstance(valid_value, str) and valid_value else "text"
    if isinstance(field, forms.ModelMultipleChoiceField):
        return [(f"ids [{v!r}]", [v]) for v in NOT_IDS]
    if isinstance(field, forms.ModelChoiceField):
        return [(f"id {v!r}", v) for v in NOT_IDS]
    if isinstance(field, forms.MultipleChoiceField):
        return [(f"choices [{v!r}]", [v]) for v in [*NOT_CHOICES, "²"]]
    if isinstance(field, forms.ChoiceField):
        return [(f"choice {v!r}", v) for v in NOT_CHOICES]
    if isinstance(field, forms.DateTimeField):
        return [(f"date and time {v!r}", v) for v in NOT_DATETIMES]
    if isinstance(field, forms.DateField):
        return [(f"date {v!r}", v) for v in NOT_DATES]
    if isinstance(field, forms.IntegerField | forms.DecimalField | MoneyField):
        values = NOT_NUMBERS
        if isinstance(field, forms.DecimalField | MoneyField):
            values = [*values, "NaN", "Infinity"]
        return [(f"number {v!r}", v) for v in values]
    if isinstance(field, forms.BooleanField):
        return []
    if isinstance(field, forms.CharField):
        found = [("a NUL byte", base + NUL + "x"), ("a control character", base + ESCAPE + "x")]
        if field.max_length:
            found.append((f"{field.max_length + 1} characters", "é" * (field.max_length + 1)))
        return found
    raise AssertionError(f"no attacks for {name}: {type(field).__name__}")


def _form_of(response, case: FormCase) -> forms.BaseForm:
    assert response.context is not None, f"{case}: no template rendered ({response.status_code})"
    return response.context[case.form_key]


def _error_shown(response, bound_field) -> bool:
    """The field's error is on the page, beside the field (the id its control points to)."""
    html = response.content.decode()
    return f'id="{bound_field.auto_id}_error"' in html and all(
        str(error) in html or escape(str(error)) in html for error in bound_field.errors
    )


def check_form(case: FormCase, client, w) -> int:
    """Attack every field of one form; return how many attacks were refused as they should be."""
    url = case.url(w)
    valid = case.valid(w)
    page = client.get(case.page_url(w) if case.page_url else url)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    form = _form_of(page, case)
    before = database_state()
    tried = 0

    for name, form_field in form.fields.items():
        key = f"{case.prefix}-{name}" if case.prefix else name
        for what, value in attacks(name, form_field, valid.get(key)):
            cache.clear()  # rate limits (newsletter sign-up) must not answer instead
            response = client.post(url, {**valid, key: value})
            assert response.status_code == 200, (
                f"{name} with {what}: answered {response.status_code}"
                f" {response.get('Location', '')}"
            )
            bound = _form_of(response, case)[name]
            assert bound.errors, f"{name} with {what}: accepted"
            assert _error_shown(response, bound), (
                f"{name} with {what}: the error {bound.errors} is not shown by the field"
            )
            tried += 1

    assert tried, "no field was attacked"
    assert database_state() == before, "a refused form changed something"

    cache.clear()
    response = client.post(url, valid)
    assert response.status_code == 302, (
        f"the valid data was refused: {response.context and _form_of(response, case).errors}"
    )
    return tried


def test_every_field_of_every_form_refuses_bad_values_beside_the_field_and_writes_nothing(
    world, lead_client
):
    """Over-long, NUL, control characters, wrong choices, impossible numbers, dates and ids.

    One world for every form (building it is most of the time): each form is
    tried inside a savepoint rolled back afterwards, so the valid data one form
    saves never meets the next. Every form is tried; the failures are listed together.
    """
    failures, tried = [], 0
    for case in FORMS:
        with transaction.atomic():
            try:
                tried += check_form(case, lead_client if case.client == "lead" else Client(), world)
            except AssertionError as error:
                failures.append(f"{case}: {error}")
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
    assert tried > 250, tried


# The apps whose forms this suite covers (accounts' are another engineer's: see the report).
APPS = ("hubs", "workgroups", "newsletters", "projects", "exchange", "reports")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_apps_refuses_control_characters():
    """A form added tomorrow without PortalFormMixin fails here, not in production."""
    for app in APPS:
        for module in ("forms", "filters"):
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError:
                continue
    ours = [cls for cls in set(_subclasses(forms.BaseForm)) if cls.__module__.split(".")[0] in APPS]
    assert len(ours) > 20
    missing = sorted(c.__qualname__ for c in ours if not issubclass(c, PortalFormMixin))
    assert missing == []
    assert issubclass(WorkGroupFilter._meta.form, PortalFormMixin)


# Search boxes and filters in the query string: (page, form in the context, field, value).
GET_FORMS = [
    (lambda w: reverse("find-hub"), "form", "q", "x" * 101),
    (lambda w: reverse("find-hub"), "form", "q", "Carmel" + NUL),
    (lambda w: reverse("find-hub"), "form", "q", "Carmel" + ESCAPE),
    (lambda w: reverse("find-hub"), "form", "la", "999"),
    (lambda w: reverse("find-hub"), "form", "la", NUL),
    (lambda w: reverse("workgroups:list"), "form", "q", "x" * 101),
    (lambda w: reverse("workgroups:list"), "form", "q", "bar" + NUL),
    (lambda w: reverse("workgroups:list"), "form", "q", "bar" + ESCAPE),
    (lambda w: reverse("workgroups:list"), "form", "phase", "nope"),
    (lambda w: reverse("workgroups:list"), "form", "hub", NUL),
    (lambda w: reverse("workgroups:list"), "form", "year", "1900"),
    (lambda w: reverse("workgroups:list"), "form", "term", "winter"),
    (lambda w: manage_url("manage-hubs:partner-add", w), "search", "school_q", "x" * 101),
    (lambda w: manage_url("manage-hubs:partner-add", w), "search", "school_q", NUL),
    (lambda w: manage_url("manage-hubs:partner-add", w), "search", "school_q", ESCAPE),
    (lambda w: manage_url("manage-workgroups:list", w), "form", "year", "1900"),
    (lambda w: manage_url("manage-workgroups:list", w), "form", "year", "²⁰²⁶"),
    (lambda w: manage_url("manage-funding:home", w), "form", "year", NUL),
    (lambda w: manage_url("manage-exchange:home", w), "form", "year", "abc"),
    (lambda w: reverse("reports:national"), "form", "year", "1900"),
    (lambda w: reverse("reports:national"), "form", "region", "E99" + NUL),
    (lambda w: reverse("reports:gaps"), "form", "phase", "nope"),
]


def test_a_search_or_filter_that_cannot_be_is_said_beside_it(world, lead_client):
    """The page still answers (200), with the message by the box or list it is about."""
    for url, key, name, value in GET_FORMS:
        response = lead_client.get(url(world), {name: value})

        assert response.status_code == 200, (url(world), name, value)
        bound = response.context[key][name]
        assert bound.errors, (url(world), name, value)
        html = response.content.decode()
        assert 'class="error-message"' in html, (url(world), name, value)
        for error in bound.errors:
            assert escape(str(error)) in html, (url(world), name, value, error)


def test_a_role_not_on_the_list_is_refused_with_a_message_and_changes_nothing(world, lead_client):
    """The team page's role buttons post one value: anything else is said, not stored."""
    before = database_state()
    url = manage_url("manage-hubs:team-role", world, pk=world.member.pk)

    for role in ["boss", NUL, "lead" + NUL, "", "é" * 20]:
        response = lead_client.post(url, {"role": role}, follow=True)

        assert response.status_code == 200
        assert "Choose a role from the list" in response.content.decode(), role
    assert database_state() == before


PROFILE_ATTACKS = [
    ("full_name", "é" * 151, "Ensure this value has at most 150 characters"),
    ("full_name", "Sam" + NUL + "Teacher", None),
    ("job_role", "headmaster", "Select a valid choice"),
    ("job_role", NUL, None),
    ("phases", ["²"], "Choose phases from the list"),
    ("phases", [NUL], None),
    ("school", "99999999999999999999", "Choose your school from the list"),
    ("school", NUL, None),
]


def _profile_post(client, name, value):
    school = School.objects.filter(name="Carmel College").first() or make_school(
        name="Carmel College"
    )
    valid = {
        "full_name": "Sam Teacher",
        "job_role": "class_teacher",
        "phases": [phase("primary").pk],
        "school": school.pk,
    }
    return client.post(reverse("accounts:profile"), {**valid, name: value})


def test_the_teachers_profile_refuses_bad_values_beside_the_field(client, world):
    """The profile form is the accounts app's; it is checked here, not changed."""
    client.force_login(make_teacher(complete=False))
    make_school(name="Carmel College")
    before = database_state()
    for name, value, message in PROFILE_ATTACKS:
        response = _profile_post(client, name, value)

        assert response.status_code == 200, (name, value)
        bound = response.context["form"][name]
        assert bound.errors, (name, value)
        assert _error_shown(response, bound), (name, value)
        if message:
            assert message in str(bound.errors), (name, value, bound.errors)
    assert database_state() == before


def test_the_teachers_name_refuses_control_characters(client, world):
    client.force_login(make_teacher(complete=False))
    response = _profile_post(client, "full_name", "Sam\x1bTeacher")
    assert response.status_code == 200

"""Every page, every persona: no URL of the portal answers with a server error.

The URL patterns are discovered from the URL configuration (tests/urlwalk.py,
as tests/test_workspace_access.py does): a page added tomorrow is walked
without anyone listing it here. Each is filled in with real ids, slugs and
tokens from the data `make run` loads (the first and last of the hub's
records and one in each state, not every one) and requested by six people: an anonymous visitor, a
teacher, a hub team member, a hub lead, NCETM staff and a superuser. For each
of them: a GET; an empty POST; every form on the page filled in as a person
would and submitted to its action (the POST forms, and the GET forms too:
filters and searches); and the page's links to itself with a query string
(downloads, filters, further pages).

Every request runs in a savepoint rolled back after it (a deletion never hides
the next URL's record, a log-out never ends the persona's session), and the
e-mails and tasks it queued run in process first, as they would after commit.

No response may be a 5xx: every failure is collected and reported at once.
And the walk must mean something: every pattern answered 200 to someone.
"""

import copy
import io
import logging
import time
import traceback
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from celery import signals as celery_signals
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.test import Client, RequestFactory, TestCase
from django.urls import Resolver404, resolve, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from accounts.models import User
from exchange.models import ExchangeYear, Showcase
from hubs.models import Hub, HubMembership, LeadershipTeamMember, Organisation, Partnership
from hubs_portal.lib.academic_year import current_academic_year
from newsletters.models import Subscriber
from newsletters.services import _unsubscribed_mark
from newsletters.tokens import confirm_token, unsubscribe_token
from notifications.models import Email
from projects.models import NationalProject
from tests import workspace_worlds
from tests.factories import make_session, make_teacher, make_workgroup
from tests.helpers import activate_totp, totp_code
from tests.urlwalk import Route, hinted_labels, hub_record_ids, url_for, url_patterns
from workgroups.models import Enrolment, WorkGroup

# The walk runs once, in the module fixture; this mark is what makes
# pytest-django create the test database for it.
pytestmark = pytest.mark.django_db

# Every persona's password (set for the walk), so "confirm it's you" forms pass.
PASSWORD = "Crawl-Passw0rd-2026"
PERSONAS = ["anonymous", "teacher", "hub member", "hub lead", "NCETM staff", "superuser"]
# The personas the portal asks for two factors (accounts/mfa.py) and who have them.
WITH_TWO_FACTORS = {"hub member", "hub lead", "NCETM staff", "superuser"}

# Which model a bare "pk" names, by the view name it belongs to (the longest
# prefix wins); other id arguments are named after their model (urlwalk's
# KWARG_HINTS). A pk not listed is tried with the first and last of every
# model's ids, and the coverage test below says so if none answered.
PK_MODELS = {
    "manage-hubs:partner": "hubs.Partnership",
    "manage-hubs:leader": "hubs.LeadershipTeamMember",
    "manage-hubs:team": "hubs.HubMembership",
    "manage-workgroups:": "workgroups.WorkGroup",
    "manage-newsletters:": "newsletters.Issue",
    "workgroups:": "workgroups.Enrolment",
    "exchange:": "exchange.Showcase",
}

# Patterns that cannot answer 200 to anyone, and why. Everything else must
# (see also never_200() below, for the admin's).
NEVER_200 = {
    # Only in the middle of a log-in (after the password, before the code):
    # force_login skips that step, and the page sends anyone else on.
    "mfa_authenticate": "the second step of a log-in only",
    # Log-in and re-authentication by an e-mailed code are not enabled (no
    # ACCOUNT_LOGIN_BY_CODE_ENABLED): both pages send everyone elsewhere.
    "account_confirm_login_code": "log-in by code is off",
    "account_confirm_reauthentication_code": "re-authentication by code is off",
    # The admin's autocomplete answers only requests made by its widgets
    # (app, model and field in the query string); the portal uses none.
    "admin:autocomplete": "no autocomplete fields",
    # The admin's catch-all for paths it does not have: a 404 (or a redirect
    # to add the slash) is its whole job.
    "admin/(?P<url>.*)$": "answers only pages that do not exist",
    # Redirects by design: to the static file, to the record's public page,
    # and to allauth's log-in (secure_admin_login) or, signed in, the index.
    "favicon.ico": "a redirect to the static file",
    "admin:view_on_site": "a redirect to the record's own page",
    "admin:login": "a redirect to allauth's log-in, or to the index",
}


def never_200(route: Route, refused: dict[str, str]) -> str | None:
    """Why ``route`` answers no one 200 by design, if it does not."""
    label = route.name or route.route
    if label in NEVER_200:
        return NEVER_200[label]
    if label in refused:
        return refused[label]
    if route.route.startswith("admin/") and route.route.endswith("/<path:object_id>/"):
        return "the admin's shortcut to a record's change page (a redirect)"
    return None


def admin_refusals(superuser: User) -> dict[str, str]:
    """The admin pages its ModelAdmins refuse even a superuser (read-only records)."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    refused = {}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        record = model.objects.order_by("pk").first()
        if not model_admin.has_add_permission(request):
            refused[f"{prefix}_add"] = "the admin adds none of these (made by the portal)"
        if not model_admin.has_delete_permission(request, record):
            refused[f"{prefix}_delete"] = "the admin deletes none of these"
    return refused


# --- The data: what `make run` loads, and the personas in it ----------------------


@dataclass
class World:
    hub: Hub
    users: dict[str, User | None]
    ids: dict[str, list[int]]  # the hub's records, by model label
    notes: list[str] = field(default_factory=list)


def load_world() -> World:
    """The data `make run` loads, the six personas in it, and the hub they work in."""
    quiet = io.StringIO()
    call_command("load_reference_data", stdout=quiet)
    gias = settings.BASE_DIR / "fixtures" / "gias_sample.csv"
    call_command("import_schools", "--no-progress", str(gias), stdout=quiet)
    # DEBUG is off in tests; this database is the test run's own.
    call_command("load_demo", "--allow-no-debug", stdout=quiet)

    notes = []
    lead = (
        HubMembership.objects.filter(role=HubMembership.Role.LEAD, user__is_active=True)
        .select_related("hub", "user")
        .order_by("pk")
        .first()
    )
    if lead is None:
        hub = Hub.objects.annotate(groups=Count("workgroups")).order_by("-groups", "slug").first()
        lead = HubMembership.objects.create(
            hub=hub, user=_person("crawl-lead@example.org", "Lia Lead"), role="lead"
        )
        notes.append("created the hub lead")
    hub = lead.hub
    member = (
        HubMembership.objects.filter(hub=hub, role=HubMembership.Role.MEMBER, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if member is None:
        member = HubMembership.objects.create(
            hub=hub, user=_person("crawl-member@example.org", "Max Member"), role="member"
        )
        notes.append("created the hub member")
    teacher = _teacher(hub, notes)
    staff = User.objects.filter(is_active=True, is_ncetm_staff=True, is_superuser=False).first()
    if staff is None:
        staff = _person("crawl-staff@example.org", "Nat National", is_ncetm_staff=True)
        notes.append("created the NCETM staff member")
    root = User.objects.filter(is_active=True, is_superuser=True).first()
    if root is None:
        root = User.objects.create_superuser("crawl-root@example.org", "Crawl-Root-Passw0rd")
        notes.append("created the superuser")
    users = {
        "anonymous": None,
        "teacher": teacher,
        "hub member": member.user,
        "hub lead": lead.user,
        "NCETM staff": staff,
        "superuser": root,
    }
    for who in WITH_TWO_FACTORS:
        # Our own authenticator app (the data's may have another secret), so
        # the forms that ask for a code can be given a right one.
        user = users[who]
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        activate_totp(user)
        RecoveryCodes.activate(user)  # so the recovery-code pages have codes to show
    for who, user in users.items():
        if user is not None:
            # NCETM staff are added by a command and may never have chosen a
            # password: allauth's "set a password" page is theirs.
            if who == "NCETM staff":
                user.set_unusable_password()
            else:
                user.set_password(PASSWORD)
            user.save(update_fields=["password"])
    _fill_gaps(hub, lead.user, teacher, notes)
    return World(hub=hub, users=users, ids=hub_record_ids(hub), notes=notes)


def _person(email: str, name: str, **extra) -> User:
    return User.objects.create_user(email, full_name=name, **extra)


def _teacher(hub: Hub, notes: list[str]) -> User:
    """A teacher with a confirmed place (in this hub if there is one) and no hub role."""
    teachers = (
        User.objects.filter(
            is_active=True,
            is_staff=False,
            is_superuser=False,
            is_ncetm_staff=False,
            hub_memberships__isnull=True,
            enrolments__status=Enrolment.Status.CONFIRMED,
        )
        .annotate(here=Count("enrolments", filter=Q(enrolments__workgroup__hub=hub)))
        .order_by("-here", "pk")
    )
    teacher = teachers.first()
    if teacher is None:
        teacher = make_teacher("crawl-teacher@example.org", school=_a_school(hub))
        group = _open_group(hub)
        Enrolment.objects.create(
            workgroup=group, teacher=teacher, status=Enrolment.Status.CONFIRMED
        )
        WorkGroup.objects.filter(pk=group.pk).update(places_taken=group.places_taken + 1)
        notes.append("created the teacher and their place")
    # The confirmation link's page needs an address on record (allauth's).
    EmailAddress.objects.get_or_create(
        user=teacher, email=teacher.email, defaults={"verified": True, "primary": True}
    )
    return teacher


def _a_school(hub: Hub):
    from hubs.models import School

    return School.objects.filter(local_authority__hubs=hub).order_by("urn").first() or (
        School.objects.order_by("urn").first()
    )


def _open_group(hub: Hub) -> WorkGroup:
    group = hub.workgroups.filter(status=WorkGroup.Status.OPEN).order_by("pk").first()
    if group is None:
        group = make_workgroup(hub, title="Crawl Work Group")
        make_session(group, 1, timezone.now() + timedelta(days=14))
    return group


def _fill_gaps(hub: Hub, lead: User, teacher: User, notes: list[str]) -> None:
    """Give the hub a record of every kind a URL can name, where the data has none."""
    ids = hub_record_ids(hub)
    if "workgroups.Session" not in ids:
        group = _open_group(hub)
        make_session(group, 9, timezone.now() + timedelta(days=40))
        notes.append("created a Work Group session")
    if "workgroups.Enrolment" not in ids:
        group = _open_group(hub)
        Enrolment.objects.create(
            workgroup=group, teacher=make_teacher(school=_a_school(hub)), status="waiting"
        )
        notes.append("created an enrolment")
    if not Partnership.objects.filter(hub=hub).exists():
        organisation = Organisation.objects.create(name="Crawl University", kind="university")
        Partnership.objects.create(hub=hub, role="operational", organisation=organisation)
        notes.append("created a partnership")
    if "hubs.LeadershipTeamMember" not in ids:
        LeadershipTeamMember.objects.create(hub=hub, name="Alex Example", role="senior_lead")
        notes.append("created a leadership team member")
    # The admin's pages of a record need one of each model it shows.
    if not Group.objects.exists():
        Group.objects.create(name="Crawl group")
        notes.append("created a permission group")
    if not Email.objects.exists():
        Email.objects.create(
            key="crawl:1", to="crawl.person@example.org", subject="Hello", body_text="Hello."
        )
        notes.append("created an e-mail")
    for world in workspace_worlds.modules():
        labels = {label for hinted in world.KWARG_HINTS.values() for label in hinted}
        # The exchange ran 2014-2019, so the data's showcases are all closed
        # and none can be edited: this year's exchange is added when so.
        stale = world.__name__.endswith(".exchange") and not (
            Showcase.objects.filter(hub=hub).exclude(status=Showcase.Status.CLOSED).exists()
        )
        if labels & set(ids) and not stale:
            continue
        try:
            with transaction.atomic():
                world.build(hub, lead)
            notes.append(f"built {world.__name__.rsplit('.', 1)[-1]} records")
        except IntegrityError as error:
            notes.append(f"could not build {world.__name__}: {error}")


# --- Real values for every argument of every pattern ------------------------------


def first_and_last(values: list) -> list:
    return list(dict.fromkeys([values[0], values[-1]])) if values else []


def representatives(queryset, field: str = "pk") -> list:
    """The first and last record's ``field``, and the first of each status the model has.

    A page often answers by the record's state (a closed showcase cannot be
    edited, a sent issue cannot be sent again): one of each state is walked.
    """
    queryset = queryset.order_by("pk")
    picks = first_and_last(list(queryset.values_list(field, flat=True)))
    if any(f.name == "status" for f in queryset.model._meta.fields):
        firsts = queryset.order_by("status", "pk").distinct("status")
        picks += list(firsts.values_list(field, flat=True))
    return list(dict.fromkeys(picks))


def arguments(route: Route, world: World) -> list[dict]:
    """A few sets of real values for the route's arguments ([{}] when it has none)."""
    if route.route.startswith("admin/"):
        return _admin_arguments(route, world)
    name, hub = route.name, world.hub
    teacher = world.users["teacher"]
    choices: dict[str, list] = {}
    ids = [k for k in route.kwargs if isinstance(route.converters.get(k), IntConverter)]
    for kwarg in route.kwargs:
        if kwarg in ids:
            continue
        if kwarg == "hub_slug" or (
            kwarg == "slug"
            and name.split(":")[0] in {"hubs", "reports"}
            and "workgroup" not in name
        ):
            choices[kwarg] = [hub.slug]
        elif kwarg == "slug" and "workgroup" in name:
            choices[kwarg] = representatives(hub.workgroups.all(), "slug")
        elif kwarg == "slug" and name.startswith("projects:"):
            slugs = list(NationalProject.objects.order_by("pk").values_list("slug", flat=True))
            taken = hub.project_participations.values_list("project__slug", flat=True)[:1]
            choices[kwarg] = list(dict.fromkeys(first_and_last(slugs) + list(taken)))
        elif kwarg == "code":
            choices[kwarg] = [hub.region.code]
        elif kwarg == "label":
            years = ExchangeYear.objects.order_by("academic_year")
            choices[kwarg] = first_and_last([year.label for year in years])
        elif kwarg == "token" and name == "workgroups:calendar":
            choices[kwarg] = [teacher.calendar_token]
        elif kwarg == "token" and name.startswith("newsletters:"):
            subscribers = first_and_last(list(Subscriber.objects.filter(hub=hub).order_by("pk")))
            if name == "newsletters:confirm":
                choices[kwarg] = [confirm_token(s.pk, _unsubscribed_mark(s)) for s in subscribers]
            else:
                choices[kwarg] = [unsubscribe_token(s.pk) for s in subscribers]
        elif kwarg == "key" and name == "account_confirm_email":
            address = EmailAddress.objects.get(user=teacher, email=teacher.email)
            choices[kwarg] = [EmailConfirmationHMAC(address).key]
        elif kwarg == "uidb36":
            choices[kwarg] = [user_pk_to_url_str(teacher)]
        elif kwarg == "key" and name == "account_reset_password_from_key":
            choices[kwarg] = [default_token_generator.make_token(teacher)]
        else:
            choices[kwarg] = []  # unknown: the coverage test names the pattern
    sets = [{}]
    for kwarg, values in choices.items():
        sets = [{**chosen, kwarg: value} for chosen in sets for value in values]
    if ids:
        sets = [{**chosen, **combo} for chosen in sets for combo in _id_sets(route, ids, world)]
    return sets


def _labels_for(route: Route, kwarg: str) -> list[str]:
    if kwarg == "pk":
        prefixes = [p for p in PK_MODELS if route.name.startswith(p)]
        if prefixes:
            return [PK_MODELS[max(prefixes, key=len)]]
    return hinted_labels(kwarg)


def _id_sets(route: Route, kwargs: list[str], world: World) -> list[dict]:
    """The hub's representative records for each id (representatives()), a child under its parent."""
    labels = [_labels_for(route, kwarg) for kwarg in kwargs]
    pools = [
        sorted({i for label in found for i in world.ids.get(label, [])})
        if found
        else sorted({i for values in world.ids.values() for i in values})
        for found in labels
    ]
    picks = [
        representatives(apps.get_model(found[0]).objects.filter(pk__in=pool))
        if len(found) == 1
        else first_and_last(pool)
        for found, pool in zip(labels, pools, strict=True)
    ]
    if route.name == "workgroups:withdraw":
        # The teacher's own place first: anyone else's is (rightly) a 404.
        mine = world.users["teacher"].enrolments.order_by("pk").values_list("pk", flat=True)
        picks[0] = list(dict.fromkeys([*mine[:1], *picks[0]]))
    if len(kwargs) == 2 and all(len(found) == 1 for found in labels):
        parent, child = (apps.get_model(found[0]) for found in labels)
        link = next(
            (f.name for f in child._meta.fields if f.is_relation and f.related_model is parent),
            None,
        )
        if link:
            # The child's representatives, each under its own parent.
            rows = child.objects.filter(pk__in=picks[1]).order_by("pk")
            pairs = rows.values_list(f"{link}_id", "pk")
            return [dict(zip(kwargs, pair, strict=True)) for pair in pairs]
    sets = [{}]
    for kwarg, pool in zip(kwargs, picks, strict=True):
        sets = [{**chosen, kwarg: value} for chosen in sets for value in pool]
    return sets


def _admin_arguments(route: Route, world: World) -> list[dict]:
    """The admin, more lightly: each model's pages with its first record, each app's index."""
    kwargs = set(route.kwargs)
    if not kwargs:
        return [{}]
    if kwargs == {"app_label"}:
        return [
            {"app_label": label}
            for label in sorted({m._meta.app_label for m in admin.site._registry})
        ]
    if kwargs == {"content_type_id", "object_id"}:  # "view on site"
        return [
            {
                "content_type_id": ContentType.objects.get_for_model(Hub).pk,
                "object_id": world.hub.pk,
            }
        ]
    if kwargs == {"url"}:  # the admin's catch-all: a page it does not have
        return [{"url": "no-such-page/"}]
    if len(kwargs) == 1 and kwargs <= {"object_id", "id"}:
        for model in admin.site._registry:
            if route.route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
                record = model.objects.order_by("pk").first()
                return [dict.fromkeys(kwargs, record.pk)] if record else []
    return []


# --- Forms and links on a page ------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    id: str
    fields: list[dict] = field(default_factory=list)


class PageParser(HTMLParser):
    """The forms (with their fields) and the links of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.loose: list[dict] = []  # fields outside their form (form="id")
        self._form: Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def _add(self, item: dict) -> None:
        if item.get("form"):
            self.loose.append(item)
        elif self._form is not None:
            self._form.fields.append(item)

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""), a.get("id", ""))
            self.forms.append(self._form)
        elif tag in {"input", "button"}:
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            self._add({**a, "tag": tag, "type": kind})
        elif tag == "select":
            self._select = {**a, "tag": "select", "options": []}
            self._add(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {**a, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {**a, "tag": "textarea", "text": ""}
            self._add(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = self._option = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea["text"] += data

    def close(self):
        super().close()
        by_id = {form.id: form for form in self.forms if form.id}
        for item in self.loose:
            if item["form"] in by_id:
                by_id[item["form"]].fields.append(item)


def plausible(name: str, kind: str, hints: dict) -> str:
    """What a person would type into an empty field called ``name`` of type ``kind``."""
    n = name.lower().rsplit("-", 1)[-1]
    # Spending is recorded once it has happened; everything else is planned.
    ahead = -7 if "spent" in n else 60 if "end" in n else 30
    day = timezone.localdate() + timedelta(days=ahead)
    hour = "12:00" if "end" in n else "10:00"
    if kind == "email" or "email" in n:
        return "crawl.person@example.org"
    if kind == "password" or "password" in n:
        return PASSWORD
    if kind == "datetime-local":
        return f"{day.isoformat()}T{hour}"
    if kind == "date" or n.endswith("_on") or "date" in n or "deadline" in n:
        return day.isoformat()
    if n.endswith("_at"):
        return f"{day.isoformat()} {hour}"
    if kind == "time" or n.endswith("_time"):
        return hour
    if kind == "url" or "url" in n or "website" in n:
        return "https://example.org/"
    if kind == "tel" or "phone" in n:
        return "0191 496 0000"
    if "postcode" in n:
        return hints["postcode"]
    if "urn" in n or n in {"school", "lead_school"}:
        return hints["urn"]
    if "amount" in n or "cost" in n:
        return "250.00"
    if "year" in n:
        return str(current_academic_year())
    if kind == "number" or any(word in n for word in ("capacity", "places", "count", "order")):
        return "5"
    if n in {"code", "otp", "token"}:
        # The personas' authenticator app (tests/helpers.py); a teacher has none.
        return totp_code()
    if n in {"q", "search", "query"} or n.endswith("_q"):
        return hints["urn"]  # the searches find schools by URN, postcode or name
    if "slug" in n:
        return "crawl-page"
    return "Crawl words"


def fill(form: Form, hints: dict, last_options: bool = False) -> list[tuple[str, str]]:
    """The form's fields as a person would submit them: what is there kept, the rest filled.

    ``last_options``: each list set to its last choice instead (a filter's
    oldest year, its last region) for a second look at a filter form.
    """
    data: list[tuple[str, str]] = []
    radios_done: set[str] = set()
    ticked: set[str] = set()
    radios: dict[str, list[dict]] = defaultdict(list)
    for item in form.fields:
        if item.get("type") == "radio" and item.get("name"):
            radios[item["name"]].append(item)
    clicked = False
    for item in form.fields:
        name = item.get("name")
        if not name or "disabled" in item:
            continue
        tag, kind = item["tag"], item.get("type", "")
        if tag == "select":
            options = [o for o in item["options"] if "disabled" not in o]
            # Django marks the empty "choose one" option selected: it is no choice.
            chosen = [o for o in options if "selected" in o and o.get("value", o["text"].strip())]
            real = [o for o in options if o.get("value", o["text"].strip())]
            if last_options:
                chosen = real[-1:]
            elif not chosen:
                chosen = real[:1]
            for option in chosen if "multiple" in item else chosen[:1]:
                data.append((name, option.get("value", option["text"].strip())))
        elif tag == "textarea":
            data.append((name, item["text"].lstrip("\n") or "A few words from the crawl."))
        elif kind in {"submit", "image"}:
            # A person presses one button: the first named one.
            if not clicked:
                data.append((name, item.get("value", "")))
                clicked = True
        elif kind in {"button", "reset", "file"}:
            continue
        elif kind == "checkbox":
            # One ticked per group (three hosts from three schools is refused),
            # and no admin inline row deleted.
            if name not in ticked and not name.endswith("-DELETE"):
                data.append((name, item.get("value") or "on"))
                ticked.add(name)
        elif kind == "radio":
            if name not in radios_done:
                group = radios[name]
                chosen = next((r for r in group if "checked" in r), group[0])
                data.append((name, chosen.get("value", "on")))
                radios_done.add(name)
        elif kind == "hidden" or item.get("value"):
            data.append((name, item.get("value", "")))
        else:
            data.append((name, plausible(name, kind, hints)))
    return data


# --- The walk -----------------------------------------------------------------------


@dataclass
class Result:
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    # route -> how each persona's GET ended ("200", "302 -> 200", "405"...)
    reached: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # routes that answered someone 200 (to a GET, or after a redirect to itself)
    ok: set[str] = field(default_factory=set)
    # routes a POST went through to (2xx, or 3xx not to log-in or two factors)
    posted: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    # (kind of request, status class) -> how many; persona -> (requests, seconds)
    statuses: Counter = field(default_factory=Counter)
    personas: dict[str, tuple[int, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Walker:
    def __init__(self, world: World):
        self.world = world
        self.client = Client(raise_request_exception=False)
        self.result = Result(notes=world.notes)
        self.who = ""
        self.seen: set = set()
        school = _a_school(world.hub)
        self.hints = {
            "urn": str(school.urn) if school else "100000",
            "postcode": (school.postcode if school else "") or "DL1 5AB",
        }
        self.refusals = {
            reverse("account_login"),
            reverse("admin:login"),
            reverse("mfa_activate_totp"),
        }
        self.task_failures: list[str] = []

    # One request, its queued work run, its failure (if any) recorded.
    def send(self, method: str, url: str, data=None, *, kind: str):
        self.result.requests += 1
        response = None
        # Each request on its own, like its rolled-back rows: no rate limit
        # or used two-factor code carries over from the one before.
        cache.clear()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                if method == "get":
                    response = self.client.get(url, data or {})
                else:
                    response = self.client.post(url, data or {})
        except Exception as error:  # a task queued by the request failed
            self.fail(method, url, kind, "task", error)
        if self.task_failures:
            self.fail(method, url, kind, "task", "; ".join(self.task_failures))
            self.task_failures.clear()
        if response is None:
            return None
        self.result.statuses[kind, f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            error = response.exc_info[1] if response.exc_info else ""
            self.fail(method, url, kind, response.status_code, error)
        elif method == "post" and response.status_code < 400:
            location = urlsplit(response.get("Location", "")).path
            if location not in self.refusals:
                self.result.posted.add(_route_of(url))
        return response

    def fail(self, method, url, kind, status, error) -> None:
        where = ""
        if isinstance(error, BaseException):
            frames = [
                f
                for f in traceback.extract_tb(error.__traceback__)
                if "site-packages" not in f.filename
            ]
            if frames:
                where = f" at {frames[-1].filename.removeprefix(str(settings.BASE_DIR) + '/')}:{frames[-1].lineno}"
            error = f"{type(error).__name__}: {error}"
        self.result.failures.append(
            f"{method.upper()} {url} ({kind}) as {self.who}: {status} {str(error)[:300]}{where}"
        )

    @contextmanager
    def rolled_back(self):
        cookies = copy.deepcopy(self.client.cookies)
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
        self.client.cookies = cookies

    def log_in(self, who: str) -> None:
        self.who = who
        self.seen = set()
        self.client.cookies = SimpleCookie()
        user = self.world.users[who]
        if user is None:
            return
        self.client.force_login(user)
        # As if they had just signed in with their password (and code): the
        # pages behind allauth's "confirm it's you" open without asking.
        session = self.client.session
        now = time.time()
        records = [{"method": "password", "at": now, "email": user.email}]
        if who in WITH_TWO_FACTORS:
            records.append({"method": "mfa", "at": now, "type": "totp"})
        session[AUTHENTICATION_METHODS_SESSION_KEY] = records
        session["account_authentication_methods_user"] = user_id_to_str(user)
        session.save()

    def walk(self, route: Route, url: str) -> None:
        """GET the page, POST nothing to it, then submit its forms and follow its own links."""
        with self.rolled_back():
            response = self.send("get", url, kind="page")
            ending = str(response.status_code) if response is not None else "error"
            # A flow that continues on its own page (allauth's password reset
            # keeps the key in the session, then shows the form) is followed.
            for _hop in range(2):
                if response is None or response.status_code not in REDIRECTS:
                    break
                target = urljoin(url, response["Location"])
                if _route_of(target) != route.route:
                    break
                url = target
                response = self.send("get", url, kind="redirect")
                ending += f" -> {response.status_code if response is not None else 'error'}"
            self.result.reached[route.route].add(f"{self.who}: {ending}")
            if response is not None and response.status_code == 200:
                self.result.ok.add(route.route)
            page = _page(response)
            with self.rolled_back():
                self.send("post", url, kind="empty form")
            if page is not None:
                self.submit_forms(page, url)
                self.follow_own_links(page, url)

    def submit_forms(self, page: "PageParser", url: str, only_post: bool = False) -> None:
        """Each form once per persona (the log-out button is on every page)."""
        for form in page.forms:
            if only_post and form.method != "post":
                continue
            action = urlsplit(urljoin(url, form.action or url))
            if action.netloc not in {"", "testserver"}:
                continue
            data = fill(form, self.hints)
            key = (form.method, action.path, tuple(sorted({name for name, _ in data})))
            if key in self.seen:
                continue
            self.seen.add(key)
            if form.method == "post":
                with self.rolled_back():
                    self.send("post", urlunsplit(action), _as_dict(data), kind="form")
                continue
            # A filter: as it comes, then with every list at its last choice.
            for variant in (data, fill(form, self.hints, last_options=True)):
                query = urlencode([*parse_qsl(action.query), *variant])
                with self.rolled_back():
                    found = self.send("get", f"{action.path}?{query}", kind="filter form")
                    # A search's results are chosen in a form of their own
                    # (the school found by its URN, then added).
                    results = _page(found)
                    if results is not None:
                        self.submit_forms(results, f"{action.path}?{query}", only_post=True)
                if variant == data and not any(f["tag"] == "select" for f in form.fields):
                    break

    def follow_own_links(self, page: "PageParser", url: str) -> None:
        """The page's links to itself with a query: downloads, filters, sorting, pages.

        One of each shape (the same parameters, the same download format) per
        persona: the admin's changelists alone have hundreds of filter links.
        """
        here = urlsplit(url).path
        for href in page.links:
            target = urlsplit(urljoin(url, href))
            if target.path != here or not target.query or target.netloc not in {"", "testserver"}:
                continue
            query = parse_qsl(target.query, keep_blank_values=True)
            shape = ("link", target.path, tuple(sorted({k for k, _ in query})))
            key = (*shape, dict(query).get("format"))
            if key in self.seen:
                continue
            self.seen.add(key)
            with self.rolled_back():
                self.send("get", f"{target.path}?{target.query}", kind="link")


REDIRECTS = {301, 302, 303, 307, 308}


def _page(response) -> "PageParser | None":
    """The forms and links of a 200 HTML response."""
    if response is None or response.status_code != 200:
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    page = PageParser()
    page.feed(response.content.decode(errors="replace"))
    page.close()
    return page


def _route_of(url: str) -> str | None:
    split = urlsplit(url)
    if split.netloc not in {"", "testserver"}:
        return None
    try:
        return resolve(split.path).route
    except Resolver404:
        return None


def _as_dict(data: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key, value in data:
        out[key].append(value)
    return dict(out)


def crawl(world: World) -> Result:
    routes = list(url_patterns())
    walker = Walker(world)
    result = walker.result
    result.routes = routes
    urls = []
    for route in routes:
        sets = arguments(route, world)
        if not sets:
            result.unfilled.append(route.name or route.route)
        for values in sets:
            url = url_for(route, values)
            assert resolve(url).route == route.route, (url, route.route)
            urls.append((route, url))

    def task_failed(sender=None, exception=None, **kwargs):
        walker.task_failures.append(f"task {getattr(sender, 'name', sender)}: {exception!r}")

    celery_signals.task_failure.connect(task_failed, weak=False)
    # Thousands of requests: their log lines (and the 4xx warnings the walk
    # expects) would bury the report. Server errors are still logged.
    loggers = {"portal.request": logging.WARNING, "django.request": logging.ERROR}
    levels = {name: logging.getLogger(name).level for name in loggers}
    for name, level in loggers.items():
        logging.getLogger(name).setLevel(level)
    started = time.monotonic()
    try:
        for who in PERSONAS:
            before, clock = result.requests, time.monotonic()
            walker.log_in(who)
            for route, url in urls:
                walker.walk(route, url)
            result.personas[who] = (result.requests - before, time.monotonic() - clock)
    finally:
        celery_signals.task_failure.disconnect(task_failed)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    result.seconds = time.monotonic() - started
    result.refused = admin_refusals(world.users["superuser"])
    return result


@pytest.fixture(scope="module")
def walked(django_db_setup, django_db_blocker):
    """The whole walk, once for the module, in a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.monotonic()
        world = load_world()
        loaded = time.monotonic() - started
        result = crawl(world)
        transaction.set_rollback(True)
    print(
        f"\nEvery page: {len(result.routes)} URL patterns, {result.requests} requests as "
        f"{len(PERSONAS)} personas in {result.seconds:.0f} s (data loaded in {loaded:.0f} s); "
        f"{len(result.failures)} server errors.\n"
        + "".join(f"  {who}: {n} requests, {t:.0f} s\n" for who, (n, t) in result.personas.items())
        + "  "
        + ", ".join(
            f"{kind} {status}: {n}" for (kind, status), n in sorted(result.statuses.items())
        )
        + (f"\n  Filled in: {'; '.join(result.notes)}" if result.notes else "")
    )
    return result


def test_no_page_answers_any_persona_with_a_server_error(walked):
    assert walked.failures == [], "\n".join(walked.failures)


def test_the_walk_reached_every_pattern_with_real_ids(walked):
    """Each pattern answered 200 to someone, so its ids reached real records.

    A pattern that answers 405 to a GET is an action (POST only): it counts
    when a POST went through to its view (2xx, or 3xx not to log-in or to
    two-factor set-up). Exemptions, with their reasons: never_200().
    """
    assert walked.unfilled == [], f"no real values for: {walked.unfilled}"
    missing = {}
    for route in walked.routes:
        if route.route in walked.ok or never_200(route, walked.refused):
            continue
        endings = walked.reached.get(route.route, set())
        if any(ending.endswith(": 405") for ending in endings) and route.route in walked.posted:
            continue
        missing[route.name or route.route] = sorted(endings)
    assert missing == {}, "\n".join(f"{name}: {why}" for name, why in missing.items())


def test_the_walker_reports_server_errors_and_failed_tasks(hub, monkeypatch):
    """The walk would see a 5xx, and a task its request queued failing after commit."""
    from django.shortcuts import render

    def broken(request, *args, **kwargs):
        if request.method == "POST":
            transaction.on_commit(lambda: 1 / 0)
            return render(request, *args, **kwargs)
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr("hubs.views.render", broken)
    walker = Walker(World(hub=hub, users={"anonymous": None}, ids={}))
    walker.log_in("anonymous")
    home = next(route for route in url_patterns() if route.name == "home")
    walker.walk(home, "/")

    page, task = walker.result.failures
    assert page.startswith("GET / (page) as anonymous: 500 RuntimeError: broken on purpose at ")
    assert "tests/test_every_page.py" in page
    assert task.startswith("POST / (empty form) as anonymous: task ZeroDivisionError")
    assert walker.result.requests == 2

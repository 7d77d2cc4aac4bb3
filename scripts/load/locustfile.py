"""The portal under load: the public browsing the catalogue, and teachers joining and withdrawing.

Run by scripts/load_test.py (`make load`), which prepares the teacher accounts
and the server and reads the samples this file writes. By hand, against a
running `make serve` on the benchmark database (after `make load` has prepared
the accounts once):

    .venv/bin/locust -f scripts/load/locustfile.py --headless -u 20 -r 5 -t 60s \\
        --host https://127.0.0.1:8443 PublicVisitor Teacher

User classes (name the ones to run on the command line: LivezVisitor is run on its own):

- ``PublicVisitor`` (most users): the home page, the Work Group list with a
  few filter combinations (phase, region, hub, free text, places left) and
  its later pages, a Work Group's page picked from a list it has seen, the hub
  list and hub pages.
- ``Teacher``: logs in once (allauth's form, e-mail and password), then browses
  as above, and now and then joins a Work Group that has places and later
  withdraws from it (a few think-times later, after looking at My Work Groups).
- ``LivezVisitor``: only ``/livez`` (plain "ok", no database): the floor, run
  on its own with the same users and think time.

Everyone waits between(1, 3) s between requests (LOAD_THINK="1,3"; "0" for a
closed loop with no think time). Requests are named by pattern
("/workgroups/[slug]/") so the statistics group sensibly.

Environment (set by the driver):
    LOAD_SAMPLES             where to write every request (JSON) when locust quits
    LOAD_TEACHER_EMAIL       format of the teachers' addresses, "{n:03d}" for the number
    LOAD_TEACHERS            how many such accounts exist (numbered from 1)
    LOAD_TEACHER_PASSWORD    their password
    LOAD_THINK               "low,high" seconds, or "0"

The server runs the production profile over HTTPS (Secure cookies) with a
self-signed certificate: FastHttpUser does not verify it (insecure=True, its
default). Django's CSRF check on HTTPS wants a same-origin Referer/Origin, which
a browser sends and this file sends too.
"""

import itertools
import json
import os
import random
import re
import time
from html import unescape
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, constant, events, task
from locust.exception import StopUser


def _think():
    spec = os.environ.get("LOAD_THINK", "1,3").strip()
    if spec in {"0", "0,0", ""}:
        return constant(0)
    low, _, high = spec.partition(",")
    return between(float(low), float(high or low))


TEACHER_EMAIL = os.environ.get("LOAD_TEACHER_EMAIL", "load.teacher.{n:03d}@example.invalid")
TEACHER_COUNT = int(os.environ.get("LOAD_TEACHERS", "50"))
TEACHER_PASSWORD = os.environ.get("LOAD_TEACHER_PASSWORD", "")
_next_teacher = itertools.count(1)

SEARCH_WORDS = ["fractions", "mastery", "reasoning", "algebra", "multiplication", "early years"]

SLUG_LINK = re.compile(r'href="/workgroups/([a-z0-9][a-z0-9-]*)/"')
HUB_LINK = re.compile(r'href="/hubs/([a-z0-9][a-z0-9-]*)/"')
PAGE_LINK = re.compile(r"[?&;]page=(\d+)")
SELECT = re.compile(r'<select[^>]*\bname="(\w+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option\s+value="([^"]*)"([^>]*)>')
CSRF = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
JOIN_FORM = re.compile(r'action="(/workgroups/[a-z0-9-]+/join/)"')
WITHDRAW_FORM = re.compile(r'action="/my/enrolments/(\d+)/withdraw/"')


# --- What happened: every request, and each join's outcome ----------------------

SAMPLES: list[list] = []
OUTCOMES: list[list] = []
STARTED: list[float] = []


@events.test_start.add_listener
def _started(environment, **kwargs):
    STARTED.append(time.time())


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, context, **kwargs):
    start = kwargs.get("start_time") or time.time() - response_time / 1000
    error = None
    if exception is not None:
        error = f"{type(exception).__name__}: {exception}"[:200]
    who = (context or {}).get("who", "?")
    SAMPLES.append([start, who, request_type, name, response_time, response_length, error])


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    path = os.environ.get("LOAD_SAMPLES")
    if not path:
        return
    with open(path, "w") as out:
        json.dump(
            {"started": STARTED[0] if STARTED else None, "samples": SAMPLES, "outcomes": OUTCOMES},
            out,
        )


def _outcome(kind: str, detail: str = "") -> None:
    OUTCOMES.append([time.time(), kind, detail])


# --- What the catalogue offers, read from its own filter form --------------------


class Catalogue:
    """The filter form's choices (phases, regions, hubs, years), read once from the list page."""

    choices: dict[str, list[str]] = {}
    this_year: str = ""

    @classmethod
    def learn(cls, html: str) -> None:
        if cls.choices:
            return
        found = {}
        for name, body in SELECT.findall(html):
            values = []
            for value, attributes in OPTION.findall(body):
                if value:
                    values.append(unescape(value))
                if name == "year" and "selected" in attributes:
                    cls.this_year = value
            found[name] = values
        if found.get("hub"):
            cls.choices = found

    @classmethod
    def pick(cls, name: str) -> str:
        return random.choice(cls.choices.get(name) or [""])


def _list_query() -> tuple[dict, str]:
    """A filter combination a visitor might use, and the name its request is grouped under."""
    year = Catalogue.this_year
    kind = random.choices(
        ["phase", "region", "hub", "search", "places", "combined"], weights=[3, 2, 3, 3, 3, 2]
    )[0]
    if kind == "phase":
        return {"phase": Catalogue.pick("phase"), "year": year}, "/workgroups/?phase"
    if kind == "region":
        # All years: the biggest lists, sorted and counted over ten years of groups.
        return {"region": Catalogue.pick("region"), "year": ""}, "/workgroups/?region"
    if kind == "hub":
        return {"hub": Catalogue.pick("hub"), "year": year}, "/workgroups/?hub"
    if kind == "search":
        query = {"q": random.choice(SEARCH_WORDS), "year": random.choice([year, ""])}
        return query, "/workgroups/?q"
    if kind == "places":
        return {"places": "on", "year": year}, "/workgroups/?places"
    query = {
        "phase": Catalogue.pick("phase"),
        "region": Catalogue.pick("region"),
        "places": "on",
        "year": year,
    }
    return query, "/workgroups/?phase&region&places"


class Browsing:
    """What every visitor does: the home page, the catalogue, Work Group and hub pages."""

    slugs: list[str]
    hubs: list[str]

    def on_start(self):
        self.slugs, self.hubs = [], []

    def _remember(self, html: str) -> None:
        Catalogue.learn(html)
        slugs = SLUG_LINK.findall(html)
        if slugs:
            self.slugs = slugs
        self.hubs = HUB_LINK.findall(html) or self.hubs

    def _get(self, url: str, name: str) -> str:
        response = self.client.get(url, name=name)
        return (response.text or "") if response.status_code == 200 else ""

    def first_visit(self) -> None:
        self._remember(self._get("/workgroups/", "/workgroups/ (first visit)"))

    def filtered_list(self, query: dict | None = None, name: str | None = None) -> str:
        if not Catalogue.choices:
            self.first_visit()
        if query is None:
            query, name = _list_query()
        html = self._get(f"/workgroups/?{urlencode(query)}", name)
        self._remember(html)
        pages = [int(n) for n in PAGE_LINK.findall(html)]
        if pages and max(pages) > 1 and random.random() < 0.4:
            # On to a later page, as a visitor clicks "Next" or a page number.
            page = random.randint(2, min(max(pages), 6))
            html = self._get(f"/workgroups/?{urlencode({**query, 'page': page})}", f"{name}&page=n")
            self._remember(html)
        return html

    def detail(self) -> str:
        if not self.slugs:
            self.filtered_list()
        if not self.slugs:
            return ""
        return self._get(f"/workgroups/{random.choice(self.slugs)}/", "/workgroups/[slug]/")

    def hub_page(self) -> None:
        if not self.hubs:
            self._remember(self._get("/hubs/", "/hubs/"))
        if self.hubs:
            self._get(f"/hubs/{random.choice(self.hubs)}/", "/hubs/[slug]/")


class PublicVisitor(Browsing, FastHttpUser):
    """Anonymous: the catalogue, Work Group pages and hub pages."""

    weight = 3
    wait_time = _think()

    def context(self):
        return {"who": "public"}

    @task(2)
    def home(self):
        self._get("/", "/")

    @task(1)
    def catalogue_first_visit(self):
        self.first_visit()

    @task(6)
    def catalogue_filtered(self):
        self.filtered_list()

    @task(5)
    def workgroup_page(self):
        self.detail()

    @task(1)
    def hub_list(self):
        self._remember(self._get("/hubs/", "/hubs/"))

    @task(3)
    def hub_detail(self):
        self.hub_page()


class Teacher(Browsing, FastHttpUser):
    """Logs in once, browses, joins a Work Group with places and later withdraws."""

    weight = 1
    wait_time = _think()

    def context(self):
        return {"who": "teacher"}

    def _form_headers(self, page: str) -> dict:
        origin = self.host.rstrip("/")
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}{page}",
        }

    def _post(self, url: str, name: str, page: str, html: str, fields: dict | None = None):
        """POST a form found on ``page`` (whose HTML is ``html``) the way a browser does."""
        token = CSRF.search(html)
        data = {**(fields or {}), "csrfmiddlewaretoken": token.group(1) if token else ""}
        return self.client.post(
            url,
            name=name,
            data=urlencode(data),
            headers=self._form_headers(page),
            allow_redirects=False,
            catch_response=True,
        )

    def _follow(self, response, name: str) -> str:
        location = response.headers.get("Location") or response.headers.get("location") or ""
        path = urlsplit(location).path
        return self._get(path, name) if path else ""

    def on_start(self):
        super().on_start()
        self.email = TEACHER_EMAIL.format(n=(next(_next_teacher) - 1) % TEACHER_COUNT + 1)
        html = self._get("/account/login/", "/account/login/")
        self.wait()  # typing their address and password
        with self._post(
            "/account/login/",
            "/account/login/",
            "/account/login/",
            html,
            {"login": self.email, "password": TEACHER_PASSWORD},
        ) as response:
            location = response.headers.get("Location") or ""
            if response.status_code != 302 or "/account/" in location:
                response.failure(
                    f"log-in of {self.email}: HTTP {response.status_code} {location}".strip()
                )
                raise StopUser
        html = self._follow(response, "/my/workgroups/")
        # Whatever an earlier run left (it was stopped mid-journey): give it up.
        for enrolment in WITHDRAW_FORM.findall(html):
            self._withdraw(enrolment, html)

    def _withdraw(self, enrolment: str, html: str) -> None:
        with self._post(
            f"/my/enrolments/{enrolment}/withdraw/",
            "/my/enrolments/[id]/withdraw/",
            "/my/workgroups/",
            html,
        ) as response:
            if response.status_code != 302:
                response.failure(f"withdraw: HTTP {response.status_code}")
                return
        page = self._follow(response, "/my/workgroups/")
        _outcome("withdrawn" if "You have withdrawn" in page else "withdraw refused")

    @task(3)
    def browse(self):
        random.choice([self.filtered_list, self.detail, self.detail, self.hub_page])()

    @task(1)
    def my_workgroups(self):
        self._get("/my/workgroups/", "/my/workgroups/")

    @task(2)
    def join_then_withdraw(self):
        # Work Groups with places, narrowed by phase half the time (spreads the joins).
        query = {"places": "on", "year": Catalogue.this_year}
        name = "/workgroups/?places"
        if random.random() < 0.5 and Catalogue.choices:
            query["phase"], name = Catalogue.pick("phase"), "/workgroups/?phase&places"
        self.filtered_list(query, name)
        if not self.slugs:
            return
        slug = random.choice(self.slugs)
        page = f"/workgroups/{slug}/"
        html = self._get(page, "/workgroups/[slug]/")
        join = JOIN_FORM.search(html)
        if not join:
            return  # already enrolled there, or it closed meanwhile
        self.wait()
        with self._post(join.group(1), "/workgroups/[slug]/join/", page, html) as response:
            if response.status_code != 302:
                response.failure(f"join: HTTP {response.status_code}")
                return
        html = self._follow(response, "/workgroups/[slug]/")
        # The page now shows their place (or waiting-list number) with its withdraw form.
        enrolment = WITHDRAW_FORM.search(html)
        if "You have a place." in html:
            _outcome("confirmed", slug)
        elif "on the waiting list" in html:
            _outcome("waiting", slug)
        else:
            _outcome("join refused", slug)
        if not enrolment:
            return
        self.wait()
        html = self._get("/my/workgroups/", "/my/workgroups/")
        self.wait()
        self._withdraw(enrolment.group(1), html)


class LivezVisitor(FastHttpUser):
    """The floor: a Django view with no database, under the same users and think time."""

    wait_time = _think()

    def context(self):
        return {"who": "floor"}

    @task
    def livez(self):
        self.client.get("/livez", name="/livez")

"""How fast the report pages and the public Work Group list are on a network the real size.

    make bench
    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hubs_portal_bench \\
    #     .venv/bin/python scripts/bench_reports.py [--runs 30] [--markdown] [--slowest]

1. Creates the database if missing, migrates it and loads the reference data.
2. Unless it already holds a generated network of the size asked for (scale
   1.0: 22,000 schools, 150,000 teachers, 1,000,000 enrolments), runs
   ``manage.py generate_network --yes`` and prints how long it took. --yes
   because the benchmark database is scratch: anything else in it (the GIAS
   sample, say) is left where it is, beside the generated network.
3. Requests each page in process through Django's test Client, with DEBUG off
   and no HTTP server: the figures are middleware, view, queries and
   template, not a server's or a network's time. Report pages are read as the
   generated NCETM staff user (ncetm@example.invalid); the Work Group list
   anonymously, as the public sees it. Each page: the cache is cleared, one
   cold request (the "first" column), 2 more warm-ups, then --runs timed
   requests; median and 95th percentile (nearest rank), and the queries one
   request runs (CaptureQueriesContext). Goal: report pages under 500 ms at
   the 95th percentile.

Report URLs come from reports/urls.py (namespace "reports"); a name that is
not there is skipped with a message, so the script runs before and after the
reports app exists.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hubs_portal_bench")
# The test settings: DEBUG off (no query log kept) and a fixed secret key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubs_portal.settings_test")
# Django's test Client asks for "testserver".
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

GOAL_MS = 500
WARM_UPS = 3


def ensure_database(*, recreate: bool) -> str:
    """Create the database if it is missing (drop it first if ``recreate``); return its name."""
    import dj_database_url
    from ensure_database import database_ensure

    url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"The benchmark runs on PostgreSQL; DATABASE_URL is {url}")
    if config["NAME"] in {"hubs_portal", "test_hubs_portal", "hubs_portal_dev"}:
        sys.exit(f"{config['NAME']} is not a benchmark database: generate_network would fill it.")
    database_ensure(config, recreate=recreate)
    return config["NAME"]


def ensure_network(*, scale: float, seed: int, regenerate: bool) -> None:
    from django.core.management import call_command
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    from demo.network import GENERATED_URNS, other_data, sizes
    from hubs.models import School
    from workgroups.models import Enrolment

    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory as error:
        sys.exit(
            f"The benchmark database was migrated by another version of the code ({error}). "
            "It is the benchmark's scratch database: if nothing in it is needed, run again "
            "with --recreate to drop and create it."
        )
    call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    schools = School.objects.filter(urn__range=GENERATED_URNS).count()
    enrolled = Enrolment.objects.filter(workgroup__slug__startswith="gen-").exists()
    if schools == sizes(scale)["schools"] and enrolled and not regenerate:
        print(f"A generated network of scale {scale:g} is already there ({schools:,} schools).")
        return
    others = other_data()
    if others:
        found = ", ".join(f"{count:,} {label}" for label, count in others.items())
        print(f"Also in the database, left alone: {found}.")
    print(f"Generating the network (scale {scale:g}, seed {seed})...", flush=True)
    started = time.perf_counter()
    command = [sys.executable, str(ROOT / "manage.py"), "generate_network", "--yes"]
    command += ["--scale", str(scale), "--seed", str(seed)]
    subprocess.run(command, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    print(f"Generation took {seconds:.1f} s ({seconds / 60:.1f} min), command start to end.")


def dataset_counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "schools": "SELECT count(*) FROM hubs_school",
        "people": "SELECT count(*) FROM accounts_user",
        "Work Groups": "SELECT count(*) FROM workgroups_workgroup",
        "sessions": "SELECT count(*) FROM workgroups_session",
        "enrolments": "SELECT count(*) FROM workgroups_enrolment",
        "attendance": "SELECT count(*) FROM workgroups_attendance",
        "project schools": "SELECT count(*) FROM projects_projectschool",
        "spending records": "SELECT count(*) FROM projects_spend",
    }
    with connection.cursor() as cursor:
        counts = {}
        for label, sql in tables.items():
            cursor.execute(sql)
            counts[label] = cursor.fetchone()[0]
    return counts


# --- The pages ------------------------------------------------------------------


@dataclass
class Page:
    label: str
    url: str | None
    report: bool  # the 500 ms goal is for report pages
    skipped: str = ""


@dataclass
class Result:
    page: Page
    first_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    query_ms: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


def report_page(label: str, name: str, kwargs: dict | None = None, query: dict | None = None):
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse(f"reports:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return Page(label, None, True, skipped=f"no URL named reports:{name} (reports/urls.py)")
    return Page(label, f"{url}?{urlencode(query)}" if query else url, True)


def pages() -> list[Page]:
    from django.db.models import Count

    from hubs.models import Hub, Region
    from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
    from workgroups.models import WorkGroup

    year = current_academic_year()
    last = year - 1
    generated = WorkGroup.objects.filter(slug__startswith="gen-")
    region = (
        Region.objects.annotate(n=Count("hubs")).order_by("-n", "code").values_list("code", "name")
    ).first()
    hub = (
        generated.filter(academic_year=last)
        .values_list("hub__slug", "hub__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "hub__slug")
        .first()
    )
    group = (
        generated.filter(academic_year=last, places_taken=30)
        .order_by("slug")
        .values_list("slug", flat=True)
        .first()
    ) or generated.order_by("-places_taken", "slug").values_list("slug", flat=True).first()
    if not (region and hub and group):
        sys.exit("No generated network to measure: run without --no-generate.")
    region_code, region_name = region
    hub_slug, hub_name = hub[:2]
    other_hub = (
        Hub.objects.exclude(slug=hub_slug).order_by("slug").values_list("slug", flat=True)[0]
    )
    y, ly = academic_year_label(year), academic_year_label(last)
    return [
        report_page(f"National report, {y}", "national", query={"year": year}),
        report_page(f"National report, {ly}", "national", query={"year": last}),
        report_page(
            f"National, {ly}, primary", "national", query={"year": last, "phase": "primary"}
        ),
        report_page(
            f"National, {ly}, region filter ({region_name})",
            "national",
            query={"year": last, "region": region_code},
        ),
        report_page(
            f"Region page ({region_name}), {ly}", "region", {"code": region_code}, {"year": last}
        ),
        report_page(f"Hub page ({hub_name}), {ly}", "hub", {"slug": hub_slug}, {"year": last}),
        report_page("Work Group page (30 places, past year)", "workgroup", {"slug": group}),
        report_page(f"Closing the gaps, {ly}", "gaps", query={"year": last}),
        report_page("Trend over the years", "trend"),
        report_page(
            f"National report, {ly}, Excel download",
            "national",
            query={"year": last, "format": "xlsx"},
        ),
        Page(f"Work Groups: first visit ({y})", "/workgroups/", False),
        Page("Work Groups: all years", "/workgroups/?year=", False),
        Page("Work Groups: all years, page 500", "/workgroups/?year=&page=500", False),
        Page(
            f"Work Groups: primary, {region_name}, {ly}",
            f"/workgroups/?{urlencode({'phase': 'primary', 'region': region_code, 'year': last})}",
            False,
        ),
        Page(
            f"Work Groups: one hub, national programmes, {y}",
            f"/workgroups/?{urlencode({'hub': other_hub, 'kind': 'national', 'year': year})}",
            False,
        ),
        Page(f"Work Groups: places left, {y}", f"/workgroups/?places=on&year={year}", False),
        Page("Work Groups: search 'fractions', all years", "/workgroups/?q=fractions&year=", False),
        Page(f"Work Groups: search 'mastery', {y}", f"/workgroups/?q=mastery&year={year}", False),
    ]


def measure(page: Page, client, runs: int) -> Result:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(page)
    cache.clear()
    for warm_up in range(WARM_UPS):
        started = time.perf_counter()
        response = client.get(page.url)
        if warm_up == 0:
            result.first_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code}"
            return result
    for _ in range(runs):
        started = time.perf_counter()
        client.get(page.url)
        result.times_ms.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as context:
        client.get(page.url)
    result.queries = len(context.captured_queries)
    timed = [(float(q["time"]) * 1000, q["sql"]) for q in context.captured_queries]
    result.query_ms = sum(ms for ms, _ in timed)
    result.slowest = sorted(timed, reverse=True)[:3]
    return result


def print_results(results: list[Result], *, markdown: bool, slowest: bool) -> None:
    if markdown:
        print("| Page | First (cold) ms | Median ms | p95 ms | Queries | Goal (p95 < 500 ms) |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
    else:
        print(
            f"{'Page':<52} {'first':>7} {'median':>7} {'p95':>7} {'queries':>7} {'in SQL':>7}  "
            f"goal: p95 < {GOAL_MS} ms"
        )
    for r in results:
        page = r.page
        if page.skipped or r.error:
            why = page.skipped or r.error
            print(
                f"| {page.label} | | | | | skipped: {why} |"
                if markdown
                else f"{page.label:<52} skipped: {why}"
            )
            continue
        verdict = ("met" if r.p95 < GOAL_MS else "NOT met") if page.report else "(public list)"
        if markdown:
            print(
                f"| {page.label} | {r.first_ms:,.0f} | {r.median:,.0f} | {r.p95:,.0f} | "
                f"{r.queries} | {verdict} |"
            )
        else:
            print(
                f"{page.label:<52} {r.first_ms:7.0f} {r.median:7.0f} {r.p95:7.0f} {r.queries:>7} "
                f"{r.query_ms:7.0f}  {verdict}"
            )
    if slowest:
        print("\nSlowest queries of one request per page (ms):")
        for r in results:
            if r.slowest:
                print(f"  {r.page.label}  [{r.page.url}]")
                for ms, sql in r.slowest:
                    print(f"    {ms:8.1f}  {' '.join(sql.split())[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per page (30).")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="Network size (1.0: the real one)."
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true", help="Generate the network again.")
    parser.add_argument(
        "--recreate", action="store_true", help="Drop and create the benchmark database first."
    )
    parser.add_argument("--no-generate", action="store_true", help="Measure what is there.")
    parser.add_argument("--only", default="", help="Only pages whose label contains this.")
    parser.add_argument("--markdown", action="store_true", help="Print the table in Markdown.")
    parser.add_argument("--slowest", action="store_true", help="Show each page's slowest queries.")
    args = parser.parse_args()

    name = ensure_database(recreate=args.recreate)
    import django

    django.setup()
    if not args.no_generate:
        ensure_network(scale=args.scale, seed=args.seed, regenerate=args.regenerate)

    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from demo.network import NCETM_EMAIL

    assert not settings.DEBUG, "Measure with DEBUG off."
    counts = dataset_counts()
    print(f"Database {name}: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()))
    analyst = User.objects.get(email=NCETM_EMAIL)
    _ensure_two_factors(analyst)
    staff = Client()
    staff.force_login(analyst)
    public = Client()
    results = []
    for page in pages():
        if args.only.lower() not in page.label.lower():
            continue
        if page.skipped:
            print(f"Skipping {page.label}: {page.skipped}", flush=True)
            results.append(Result(page))
            continue
        print(f"Measuring {page.label} ({page.url})", flush=True)
        results.append(measure(page, staff if page.report else public, args.runs))
    print(
        f"\nIn process (Django test Client, DEBUG off), {WARM_UPS} warm-up requests then "
        f"{args.runs} timed per page; times in ms.\n"
    )
    print_results(results, markdown=args.markdown, slowest=args.slowest)
    reports = [r for r in results if r.page.report and r.times_ms]
    if reports:
        worst = max(reports, key=lambda r: r.p95)
        verdict = "met" if worst.p95 < GOAL_MS else "NOT met"
        print(
            f"\nGoal (every report page under {GOAL_MS} ms at the 95th percentile): {verdict}; "
            f"slowest: {worst.page.label}, p95 {worst.p95:.0f} ms."
        )
    failed = [r for r in results if r.error]
    if failed or not reports:
        # A page that answered with an error (or a redirect to a log-in or
        # two-factor page) was not measured: say so and fail, never skip it.
        names = ", ".join(f"{r.page.label} ({r.error})" for r in failed) or "no report page"
        sys.exit(f"Not measured: {names}.")


def _ensure_two_factors(user) -> None:
    """Give the generated analyst an authenticator, as NCETM staff must have to open
    /reports/ (accounts.mfa); on the benchmark database only, with a fresh secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


if __name__ == "__main__":
    main()

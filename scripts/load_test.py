"""The portal under load, served as in production, on a network the real size.

    make load
    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hubs_portal_bench \\
    #     .venv/bin/python scripts/load_test.py [--users 20] [--duration 60] [--host URL]

1. Prepares the benchmark database as `make bench` does (creates it, migrates,
   loads the reference data and, if it holds no generated network yet, runs
   ``manage.py generate_network``: a few minutes, once).
2. Prepares --teachers teacher accounts (load.teacher.001@example.invalid ...)
   that can log in: a known password, a verified e-mail address (allauth),
   a school, a role and phases, so their profile is complete. Idempotent. They
   are @example.invalid like the generated people, so a regenerated network
   replaces them too.
3. Starts `make serve` against that database (gunicorn over HTTPS, a Celery
   worker and beat, honcho; no demo Work Groups) on --port, with its own Redis
   databases for the broker and the cache, and waits for /healthz. With
   --host it uses a server that is already running instead (which must use
   the same database: the accounts and the final check are made there).
4. Runs locust headless (scripts/load/locustfile.py) twice with the same
   users, spawn rate, think time and duration: the floor (every user asks
   /livez: a Django view with no database) and the mix (public visitors
   browsing the catalogue, Work Group and hub pages; logged-in teachers
   joining and withdrawing). The first --warmup seconds of each run (users
   arriving, teachers logging in, cold caches) are left out of the figures.
   --saturate N adds two closed-loop runs of N seconds (no think time): the
   most requests per second the machine serves, floor and mix.
5. Stops the server and checks in SQL that no Work Group holds more places
   than it has and that each one's places_taken is the count of enrolments
   holding a place.

Prints, per request group and for the public pages overall: requests per
second, p50/p95/p99 latency (ms, nearest rank over every request) and errors,
with the floor beside them. Exits non-zero on any error or a broken invariant.
Goal: no errors, and public pages at p95 under 150 ms at 20 users.

This file prepares the database and the teachers, runs the plan and checks the
places; the parts are in scripts/load/: server.py (make serve), cpu.py (CPU use),
runner.py (running locust), report.py (the tables).
"""

import argparse
import os
import sys
import time
from urllib.parse import urlsplit

from load.common import ROOT, TEACHER_EMAIL, TEACHER_PASSWORD
from load.report import (
    Row,
    print_cpu,
    print_errors,
    print_logins_and_outcomes,
    print_table,
    rows_for,
    summary_rows,
)
from load.runner import Run, run_locust
from load.server import Server, get

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hubs_portal_bench"
os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
# Only for this process (preparing accounts, the final check); the server is
# started with the production settings.
SETTINGS_FOR_SCRIPT = "hubs_portal.settings_test"

PUBLIC_GOAL_P95_MS = 150
THINK = "1,3"


# --- Preparing the database and the teachers ------------------------------------


def prepare_database(*, scale: float, seed: int) -> str:
    from bench_reports import ensure_database, ensure_network

    name = ensure_database(recreate=False)
    setup_django_only()
    ensure_network(scale=scale, seed=seed, regenerate=False)
    return name


def setup_django_only() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_FOR_SCRIPT
    import django

    django.setup()


def prepare_teachers(count: int) -> None:
    """Accounts that can log in and join: password, verified address, complete profile."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from demo.network import GENERATED_URNS
    from hubs.models import School, TeachingPhase

    schools = list(
        School.objects.open()
        .filter(urn__range=GENERATED_URNS)
        .order_by("urn")
        .values_list("pk", flat=True)
    )
    if not schools:
        sys.exit("No generated schools in the database: nothing for the teachers to teach at.")
    phases = list(TeachingPhase.objects.filter(code__in=["primary", "secondary"]))
    # One hash for all: hashing is deliberately slow, and the password is the same.
    # The server's hasher (Django's default, PBKDF2), not this script's test
    # settings' fast MD5, which the server would not accept.
    hasher = PBKDF2PasswordHasher()
    password = hasher.encode(TEACHER_PASSWORD, hasher.salt())
    now = timezone.now()
    created = 0
    with transaction.atomic():
        for n in range(1, count + 1):
            email = TEACHER_EMAIL.format(n=n)
            user, made = User.objects.get_or_create(
                email=email,
                defaults={
                    "full_name": f"Load Teacher {n:03d}",
                    "school_id": schools[(n * 997) % len(schools)],
                    "job_role": User.JobRole.CLASS_TEACHER,
                    "profile_completed_at": now,
                },
            )
            created += made
            if made or not user.phases.exists():
                user.phases.set(phases)
            if user.profile_completed_at is None or not user.school_id or not user.is_active:
                user.profile_completed_at = user.profile_completed_at or now
                user.school_id = user.school_id or schools[n % len(schools)]
                user.is_active = True
                user.save(update_fields=["profile_completed_at", "school", "is_active"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        User.objects.filter(
            email__in=[TEACHER_EMAIL.format(n=n) for n in range(1, count + 1)]
        ).update(password=password)
    print(f"Teacher accounts: {count} ready ({created} new), e-mail verified, profile complete.")


# --- The invariant, in SQL -----------------------------------------------------------


def check_places(since: float) -> bool:
    from django.db import connection

    from workgroups.models import Enrolment

    holding = [str(s) for s in Enrolment.HOLDS_PLACE]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) AS groups,
                   count(*) FILTER (WHERE held > capacity) AS overbooked,
                   count(*) FILTER (WHERE confirmed > capacity) AS confirmed_over,
                   count(*) FILTER (WHERE held <> places_taken) AS miscounted
            FROM (
                SELECT w.id, w.capacity, w.places_taken,
                       count(e.id) FILTER (WHERE e.status = ANY(%s)) AS held,
                       count(e.id) FILTER (WHERE e.status = 'confirmed') AS confirmed
                FROM workgroups_workgroup w
                LEFT JOIN workgroups_enrolment e ON e.workgroup_id = w.id
                GROUP BY w.id
            ) per_group
            """,
            [holding],
        )
        groups, overbooked, confirmed_over, miscounted = cursor.fetchone()
        cursor.execute(
            """
            SELECT count(DISTINCT e.workgroup_id),
                   count(*),
                   count(*) FILTER (WHERE e.status = 'confirmed'),
                   count(*) FILTER (WHERE e.status = 'waiting'),
                   count(*) FILTER (WHERE e.status = 'withdrawn')
            FROM workgroups_enrolment e JOIN accounts_user u ON u.id = e.teacher_id
            WHERE u.email LIKE 'load.teacher.%%' AND e.requested_at >= to_timestamp(%s)
            """,
            [since],
        )
        touched, joined, confirmed, waiting, withdrawn = cursor.fetchone()
        bad = []
        if overbooked or miscounted:
            cursor.execute(
                """
                SELECT w.slug, w.capacity, w.places_taken,
                       count(e.id) FILTER (WHERE e.status = ANY(%s))
                FROM workgroups_workgroup w
                LEFT JOIN workgroups_enrolment e ON e.workgroup_id = w.id
                GROUP BY w.id
                HAVING count(e.id) FILTER (WHERE e.status = ANY(%s)) > w.capacity
                    OR count(e.id) FILTER (WHERE e.status = ANY(%s)) <> w.places_taken
                LIMIT 10
                """,
                [holding, holding, holding],
            )
            bad = cursor.fetchall()
    print(
        f"\nIn the database after the run: enrolments made by the load teachers: {joined} in "
        f"{touched} Work Groups (now {confirmed} confirmed, {waiting} waiting, "
        f"{withdrawn} withdrawn)."
    )
    print(
        f"Places: {groups:,} Work Groups checked; more confirmed teachers than places: "
        f"{confirmed_over}; more places held (confirmed + completed) than places: {overbooked}; "
        f"places_taken different from the places held: {miscounted}."
    )
    for slug, capacity, taken, held in bad:
        print(f"  {slug}: {capacity} places, places_taken {taken}, held {held}")
    return not (overbooked or miscounted or confirmed_over)


# --- Main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--users",
        type=int,
        default=20,
        help="Concurrent users (20); a quarter are teachers. More than about 120 users means "
        "more than 30 log-ins a minute from one address, which allauth refuses (429).",
    )
    parser.add_argument("--spawn-rate", type=float, default=5, help="Users started a second (5).")
    parser.add_argument("--duration", type=int, default=60, help="Measured seconds per run (60).")
    parser.add_argument(
        "--warmup", type=int, default=15, help="Seconds left out at the start of each run (15)."
    )
    parser.add_argument(
        "--saturate",
        type=int,
        default=0,
        metavar="SECONDS",
        help="Also run floor and mix closed-loop (no think time) for this long.",
    )
    parser.add_argument(
        "--host", default="", help="Use this running server (e.g. https://127.0.0.1:8443)."
    )
    parser.add_argument("--port", type=int, default=8443, help="Port for make serve (8443).")
    parser.add_argument(
        "--teachers", type=int, default=0, help="Teacher accounts (default: max(50, users))."
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/6"),
        help="Celery broker for the server started here (its own Redis database).",
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/7"),
        help="Cache for the server started here (its own Redis database).",
    )
    parser.add_argument("--no-floor", action="store_true", help="Skip the /livez run.")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="Before each run, wait up to this long for the machine to be under 15%% busy "
        "(a shared machine).",
    )
    parser.add_argument("--markdown", action="store_true", help="Print the tables in Markdown.")
    parser.add_argument(
        "--detail", action="store_true", help="One row per request name, not per kind of page."
    )
    parser.add_argument("--scale", type=float, default=1.0, help="Network size if generated.")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    database_url = os.environ["DATABASE_URL"]
    if args.host:
        setup_django_only()
        name = urlsplit(database_url).path.lstrip("/")
    else:
        name = prepare_database(scale=args.scale, seed=args.seed)
    teachers = args.teachers or max(50, args.users)
    os.environ["LOAD_TEACHERS"] = str(teachers)
    prepare_teachers(teachers)

    server = None
    host = args.host.rstrip("/")
    if not host:
        server = Server(
            port=args.port,
            database_url=database_url,
            broker_url=args.broker_url,
            cache_url=args.cache_url,
        )
        server.start()
        host = server.url
    else:
        status, body = get(f"{host}/healthz")
        if status != 200:
            sys.exit(f"{host}/healthz answered {status}: {body[:200]}")

    started = time.time()
    runs: list[Run] = []
    try:
        plan = []
        if not args.no_floor:
            plan.append(
                Run("Floor", ["LivezVisitor"], args.users, args.duration, args.warmup, THINK)
            )
        plan.append(
            Run("Mix", ["PublicVisitor", "Teacher"], args.users, args.duration, args.warmup, THINK)
        )
        if args.saturate:
            warm = min(args.warmup, 10)
            if not args.no_floor:
                plan.append(
                    Run("Floor closed-loop", ["LivezVisitor"], args.users, args.saturate, warm, "0")
                )
            plan.append(
                Run(
                    "Mix closed-loop",
                    ["PublicVisitor", "Teacher"],
                    args.users,
                    args.saturate,
                    warm,
                    "0",
                )
            )
        for run in plan:
            runs.append(
                run_locust(run, host=host, spawn_rate=args.spawn_rate, server=server, database=name)
            )
    finally:
        if server:
            server.stop()

    print(
        f"\nDatabase {name}, {args.users} users, spawn rate {args.spawn_rate:g}/s; figures over "
        "the measured window only; latency in ms (nearest rank over every request)."
    )
    failed = False
    by_label = {run.label: run for run in runs}
    for run in runs:
        rows = rows_for(run, detail=args.detail) + summary_rows(run)
        think = (
            "no think time" if run.think == "0" else f"think time {run.think.replace(',', '-')} s"
        )
        print_table(
            rows,
            markdown=args.markdown,
            title=f"{run.label}: {run.users} users, {think}, {run.seconds} s measured",
        )
        print_cpu(run)
        if run.label.startswith("Mix"):
            print_logins_and_outcomes(run)
        errors = print_errors(run)
        failed |= errors > 0

    # The public pages beside the floor, as the issue asks.
    pairs = [("Mix", "Floor"), ("Mix closed-loop", "Floor closed-loop")]
    side = []
    for mix_label, floor_label in pairs:
        mix, floor = by_label.get(mix_label), by_label.get(floor_label)
        if not mix:
            continue
        public = [s for s in mix.measured() if s[1] == "public"]
        side.append(Row.of(f"{mix_label}: public pages overall", public, mix.seconds))
        if floor:
            side.append(
                Row.of(f"{floor_label}: /livez (the floor)", floor.measured(), floor.seconds)
            )
    print_table(side, markdown=args.markdown, title="Public pages beside the floor")

    mix = by_label["Mix"]
    public = Row.of("public", [s for s in mix.measured() if s[1] == "public"], mix.seconds)
    verdict = "met" if public.p95 < PUBLIC_GOAL_P95_MS and public.errors == 0 else "NOT met"
    print(
        f"\nGoal (no errors; public pages p95 under {PUBLIC_GOAL_P95_MS} ms at {args.users} "
        f"users): {verdict} (p95 {public.p95:.0f} ms, {public.errors} errors in the window)."
    )
    places_ok = check_places(started)
    if failed:
        print("FAILED: there were errors (listed above).")
    if not places_ok:
        print("FAILED: a Work Group holds more places than it has, or its count is wrong.")
    return 1 if failed or not places_ok else 0


if __name__ == "__main__":
    sys.exit(main())

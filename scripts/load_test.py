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
"""

import argparse
import itertools
import json
import math
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hubs_portal_bench"
os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
# Only for this process (preparing accounts, the final check); the server is
# started with the production settings.
SETTINGS_FOR_SCRIPT = "hubs_portal.settings_test"

VENV_BIN = ROOT / ".venv" / "bin"
LOCUSTFILE = ROOT / "scripts" / "load" / "locustfile.py"
WORK_DIR = ROOT / "var" / "load"

TEACHER_EMAIL = "load.teacher.{n:03d}@example.invalid"
# Test accounts on a scratch database, addresses that cannot receive mail.
TEACHER_PASSWORD = "load-test-only-Pythagoras-1729"
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


# --- The server --------------------------------------------------------------------


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # make serve's certificate is self-signed
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (OSError, urllib.error.URLError) as error:
        return 0, str(error)


class Server:
    """`make serve` against the benchmark database, started here and stopped after."""

    def __init__(self, *, port: int, database_url: str, broker_url: str, cache_url: str):
        self.port = port
        self.url = f"https://127.0.0.1:{port}"
        self.log_path = WORK_DIR / "serve.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS", "DEBUG"}
        }
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": broker_url,
                "CACHE_URL": cache_url,
                "SERVE_PORT": str(port),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "SERVE_DEMO": "0",  # the generated network only
                "VAR_DIR": str(WORK_DIR),  # static files, beat's schedule
                "EMAIL_URL": f"file://{WORK_DIR / 'mail'}",
                "SITE_URL": self.url,
            }
        )
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 600) -> None:
        if port_in_use(self.port):
            sys.exit(
                f"Port {self.port} is in use (a make serve already running?). Stop it, choose "
                f"another with --port, or aim at it with --host https://127.0.0.1:{self.port} "
                "if it serves the benchmark database."
            )
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        # The joins' and withdrawals' e-mails are written here: last run's only.
        shutil.rmtree(WORK_DIR / "mail", ignore_errors=True)
        print(f"Starting make serve on {self.url} (log: {self.log_path.relative_to(ROOT)})")
        log = open(self.log_path, "w")  # noqa: SIM115 (kept open while the server runs)
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "serve"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                sys.exit(
                    f"make serve stopped (exit {self.process.returncode}); see {self.log_path}"
                )
            status, body = get(f"{self.url}/healthz", timeout=3)
            if status == 200:
                print(f"Healthy after {time.monotonic() - started:.0f} s: {body.strip()}")
                return
            time.sleep(1)
        self.stop()
        sys.exit(f"/healthz did not answer 200 within {timeout:.0f} s; see {self.log_path}")

    def descendants(self) -> list[int]:
        """Every process started under make serve (honcho puts each in its own session)."""
        if self.process is None:
            return []
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pids = self.descendants()
        print("Stopping make serve")
        # honcho stops its processes on SIGTERM (it is in the group make leads).
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        deadline = time.monotonic() + 20
        for pid in pids:
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- CPU: how busy the machine, the server and the load generator were --------------


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def _increase(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two samples; a process new in ``after`` counts from zero
    (it started in between), one gone from it is not counted for the last second."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMonitor:
    """Samples CPU use once a second; ``between(t0, t1)`` gives the shares over a window.

    The server is every process under make serve; PostgreSQL is the backends
    connected to the benchmark database (pg_stat_activity); "other" is the rest
    of the machine: anything else running here at the same time.
    """

    def __init__(self, server_pids, locust_pid: int, database: str):
        self.server_pids = server_pids
        self.locust_pid = locust_pid
        self.database = database
        self.samples: list[tuple] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.backends: set[int] = set()

    def _database_pids(self, connection) -> list[int]:
        if connection is None:
            return []
        try:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            ).fetchall()
        except Exception:
            return sorted(self.backends)
        # Backends that ended are gone from /proc: only the live ones are counted.
        self.backends = {pid for (pid,) in rows}
        return sorted(self.backends)

    def _run(self) -> None:
        import psycopg

        try:
            connection = psycopg.connect(_libpq_url(os.environ["DATABASE_URL"]), autocommit=True)
        except Exception:
            connection = None
        while not self.done.is_set():
            busy, total = _machine_ticks()
            pids = self.server_pids() if callable(self.server_pids) else []
            self.samples.append(
                (
                    time.time(),
                    busy,
                    total,
                    _cpu_seconds(pids),
                    _cpu_seconds([self.locust_pid]),
                    _cpu_seconds(self._database_pids(connection)),
                )
            )
            self.done.wait(1.0)
        if connection is not None:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def between(self, t0: float, t1: float) -> dict[str, float] | None:
        inside = [s for s in self.samples if t0 <= s[0] <= t1]
        if len(inside) < 3:
            return None
        seconds = inside[-1][0] - inside[0][0]
        cores = os.cpu_count() or 1
        shares = {
            "machine": 100 * (inside[-1][1] - inside[0][1]) / max(inside[-1][2] - inside[0][2], 1)
        }
        for index, key in ((3, "server"), (4, "locust"), (5, "postgres")):
            # Per process and per second: backends and recycled workers come and go.
            used = sum(_increase(a[index], b[index]) for a, b in itertools.pairwise(inside))
            shares[key] = 100 * used / seconds / cores
        shares["other"] = max(
            shares["machine"] - shares["server"] - shares["locust"] - shares["postgres"], 0
        )
        if not callable(self.server_pids):
            shares["server"] = None  # not started here: counted in "other"
        return shares


def _libpq_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def machine_busy(seconds: float = 3.0) -> float:
    """How busy the machine is right now (percent of every core)."""
    busy0, total0 = _machine_ticks()
    time.sleep(seconds)
    busy1, total1 = _machine_ticks()
    return 100 * (busy1 - busy0) / max(total1 - total0, 1)


# --- Running locust and reading what it recorded -------------------------------------


@dataclass
class Run:
    label: str
    classes: list[str]
    users: int
    seconds: int
    warmup: int
    think: str
    samples: list[list] = field(default_factory=list)
    outcomes: list[list] = field(default_factory=list)
    started: float = 0.0
    cpu: dict | None = None
    exit_code: int = 0
    busy_before: float = 0.0

    @property
    def window(self) -> tuple[float, float]:
        return self.started + self.warmup, self.started + self.warmup + self.seconds

    def measured(self) -> list[list]:
        t0, t1 = self.window
        return [s for s in self.samples if t0 <= s[0] < t1]


def wait_for_quiet(limit: float, *, threshold: float = 15.0, calm: int = 3) -> None:
    """Wait (up to ``limit`` seconds) until the machine has been under ``threshold``% busy
    for ``calm`` samples of 3 s in a row (a shared machine: other work comes and goes)."""
    deadline = time.monotonic() + limit
    quiet = 0
    told = False
    while time.monotonic() < deadline:
        busy = machine_busy(3.0)
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= calm:
            return
        if not told and busy >= threshold:
            print(f"  Waiting for the machine to be quiet ({busy:.0f}% busy)...", flush=True)
            told = True
    print("  The machine did not become quiet: running anyway.")


def run_locust(
    run: Run,
    *,
    host: str,
    spawn_rate: float,
    server: Server | None,
    database: str,
    wait_quiet: float = 0,
) -> Run:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    slug = run.label.lower().replace(" ", "-")
    samples_path = WORK_DIR / f"samples-{slug}.json"
    samples_path.unlink(missing_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "LOAD_SAMPLES": str(samples_path),
        "LOAD_TEACHER_EMAIL": TEACHER_EMAIL,
        "LOAD_TEACHERS": os.environ["LOAD_TEACHERS"],
        "LOAD_TEACHER_PASSWORD": TEACHER_PASSWORD,
        "LOAD_THINK": run.think,
    }
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(run.users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{run.warmup + run.seconds + 1}s",
        "--host",
        host,
        "--only-summary",
        "--loglevel",
        "WARNING",
        *run.classes,
    ]
    think = "no think time" if run.think == "0" else f"think time {run.think.replace(',', '-')} s"
    print(
        f"\n{run.label}: {run.users} users ({', '.join(run.classes)}), {think}, "
        f"{run.warmup} s warm-up + {run.seconds} s measured",
        flush=True,
    )
    if wait_quiet:
        wait_for_quiet(wait_quiet)
    busy = machine_busy()
    run.busy_before = busy
    if busy > 15:
        print(
            f"  The machine is already {busy:.0f}% busy before this run (something else is "
            "running): the figures will be worse than on a quiet machine."
        )
    log_path = WORK_DIR / f"locust-{slug}.log"
    with open(log_path, "w") as log:
        run.started = time.time()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        monitor = CpuMonitor(server.descendants if server else None, process.pid, database)
        with monitor:
            run.exit_code = process.wait()
    if not samples_path.exists():
        sys.exit(f"locust wrote no samples (exit {run.exit_code}); see {log_path}")
    data = json.loads(samples_path.read_text())
    run.samples, run.outcomes = data["samples"], data["outcomes"]
    run.started = data.get("started") or run.started
    run.cpu = monitor.between(*run.window)
    return run


# --- Figures ---------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


@dataclass
class Row:
    label: str
    requests: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int

    @classmethod
    def of(cls, label: str, samples: list[list], seconds: float) -> "Row":
        times = sorted(s[4] for s in samples)
        return cls(
            label,
            len(samples),
            len(samples) / seconds if seconds else 0.0,
            percentile(times, 0.50),
            percentile(times, 0.95),
            percentile(times, 0.99),
            sum(1 for s in samples if s[6]),
        )


KINDS = [
    # (who, method, request name or its start, label), first match wins.
    ("*", "GET", "/", "Home page"),
    ("*", "GET", "/hubs/", "Hub list"),
    ("*", "GET", "/hubs/[slug]/", "Hub page"),
    ("*", "GET", "/workgroups/ (first visit)", "Work Groups: first visit (this year)"),
    ("*", "GET", "/workgroups/?*&page=n", "Work Groups: a later page"),
    ("*", "GET", "/workgroups/?*", "Work Groups: filtered"),
    ("*", "GET", "/workgroups/[slug]/", "Work Group page"),
    ("teacher", "GET", "/my/workgroups/", "My Work Groups"),
    ("teacher", "POST", "/workgroups/[slug]/join/", "Join (POST)"),
    ("teacher", "POST", "/my/enrolments/[id]/withdraw/", "Withdraw (POST)"),
    ("floor", "GET", "/livez", "/livez"),
]


def kind_of(who: str, method: str, name: str) -> str:
    for k_who, k_method, pattern, label in KINDS:
        if k_who not in ("*", who) or k_method != method:
            continue
        if pattern.endswith("*&page=n"):
            matched = name.startswith(pattern[:-8]) and name.endswith("&page=n")
        elif pattern.endswith("*"):
            matched = name.startswith(pattern[:-1])
        else:
            matched = name == pattern
        if matched:
            return label
    return f"{method} {name}"


def rows_for(run: Run, *, detail: bool) -> list[Row]:
    """One row per request name (``detail``) or per kind of page, for each kind of user."""
    groups: dict[tuple, list] = {}
    for sample in run.measured():
        who, method, name = sample[1], sample[2], sample[3]
        key = (who, f"{method:<4} {name}") if detail else (who, kind_of(who, method, name))
        groups.setdefault(key, []).append(sample)
    order = {"public": 0, "teacher": 1, "floor": 2}
    labels = [label for *_, label in KINDS]
    rows = []
    for (who, label), samples in sorted(
        groups.items(),
        key=lambda item: (
            order.get(item[0][0], 9),
            labels.index(item[0][1]) if item[0][1] in labels else 99,
            item[0][1],
        ),
    ):
        rows.append(Row.of(f"{who:<7} {label}", samples, run.seconds))
    return rows


def summary_rows(run: Run) -> list[Row]:
    measured = run.measured()
    public = [s for s in measured if s[1] == "public"]
    teacher = [s for s in measured if s[1] == "teacher"]
    rows = []
    if public:
        rows.append(Row.of("Public pages overall (anonymous)", public, run.seconds))
    if teacher:
        rows.append(Row.of("Teacher requests overall (logged in)", teacher, run.seconds))
    rows.append(Row.of("All requests", measured, run.seconds))
    return rows


def print_table(rows: list[Row], *, markdown: bool, title: str = "") -> None:
    if title:
        print(f"\n{title}")
    if markdown:
        print("| Requests | n | req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            who, _, rest = r.label.partition(" ")
            label = f"{who}: {rest.strip()}" if who in ("public", "teacher", "floor") else r.label
            print(
                f"| {label} | {r.requests:,} | {r.rps:.1f} | {r.p50:.0f} | {r.p95:.0f} | "
                f"{r.p99:.0f} | {r.errors} |"
            )
        return
    print(f"{'Requests':<58} {'n':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}")
    for r in rows:
        print(
            f"{r.label:<58} {r.requests:>6,} {r.rps:6.1f} {r.p50:6.0f} {r.p95:6.0f} {r.p99:6.0f} "
            f"{r.errors:>6}"
        )


def print_errors(run: Run) -> int:
    errors: dict[str, int] = {}
    for sample in run.samples:  # the whole run, warm-up included
        if sample[6]:
            key = f"{sample[2]} {sample[3]}: {sample[6]}"
            errors[key] = errors.get(key, 0) + 1
    for key, n in sorted(errors.items(), key=lambda item: -item[1])[:15]:
        print(f"  error x{n}: {key}")
    return sum(errors.values())


def print_cpu(run: Run) -> None:
    if not run.cpu:
        return
    c = run.cpu
    server = "n/a (not started here)" if c["server"] is None else f"{c['server']:.0f}%"
    print(
        f"CPU over the measured window (share of {os.cpu_count()} cores): machine "
        f"{c['machine']:.0f}% = make serve {server} + PostgreSQL {c['postgres']:.0f}% "
        f"+ locust {c['locust']:.0f}% + other {c['other']:.0f}% "
        f"(machine {run.busy_before:.0f}% busy just before the run)."
    )
    requests = len(run.measured())
    if requests:
        # Core-milliseconds per request: what each request costs, whatever else runs.
        per = {
            key: c[key] / 100 * (os.cpu_count() or 1) * run.seconds * 1000 / requests
            for key in ("server", "postgres")
            if c[key] is not None
        }
        print(
            "CPU per request: "
            + " + ".join(
                f"{'make serve' if key == 'server' else 'PostgreSQL'} {ms:.1f} ms"
                for key, ms in per.items()
            )
            + "."
        )
    if c["other"] > 20:
        print(
            f"  Other work took {c['other']:.0f}% of the machine during this run: its "
            "latencies are not those of a quiet machine."
        )


def print_logins_and_outcomes(run: Run) -> None:
    logins = [s for s in run.samples if s[3] == "/account/login/" and s[2] == "POST"]
    if logins:
        times = sorted(s[4] for s in logins)
        print(
            f"Log-ins (warm-up, not in the table): {len(logins)}, median {percentile(times, 0.5):.0f}"
            f" ms, slowest {times[-1]:.0f} ms, errors {sum(1 for s in logins if s[6])} "
            "(the password hash is deliberately slow)."
        )
    counts: dict[str, int] = {}
    for _, kind, _ in run.outcomes:
        counts[kind] = counts.get(kind, 0) + 1
    if counts:
        print(
            "Teachers' joins and withdrawals (whole run): "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        )


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

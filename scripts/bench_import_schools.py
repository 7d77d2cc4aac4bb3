"""How long the school import takes on a file the size of the real register.

Generates GIAS-format files (Windows-1252, the full header) of 10,000 and
50,000 rows under var/bench/, imports them into PostgreSQL and prints the time,
rows per second and peak memory of each run. The 50,000-row file is imported
twice: first as inserts, then again as updates (showing that a re-run changes
rows rather than adding them). Each run is a separate process so that its peak
memory is its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hubs_portal_bench \\
        .venv/bin/python scripts/bench_import_schools.py

The database is created if missing, then migrated. The generated schools use
URNs from 5,000,001 (far above any real URN) and are deleted at the end.
"""

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hubs_portal_bench")
# The test settings: DEBUG off (no query log) and a fixed secret key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubs_portal.settings_test")

BENCH_DIR = ROOT / "var" / "bench"
FIRST_URN = 5_000_001
GOAL_SECONDS = 60
# About one row in sixteen of the real file is Welsh; those are read and skipped.
WALES = {"code": "681", "name": "Cardiff", "gor_code": "W", "gor_name": "Wales (pseudo)",
         "country": "Wales"}  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# Each step below runs in its own process, started by main(). Linux carries a
# process's peak RSS across fork and exec, so the coordinating process stays
# small (no Django, no generator) and each import's peak is its own.


def step_setup() -> None:
    """Create the database if missing, migrate it and load the reference data."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"The benchmark runs on PostgreSQL; DATABASE_URL is {url}")
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    with psycopg.connect(**params, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            print(f"Creating database {config['NAME']}")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    step_clean()
    print(f"Database: {config['NAME']} (migrated, reference data loaded)")


def step_clean() -> None:
    import django

    django.setup()
    from hubs.models import School

    School.objects.filter(urn__gte=FIRST_URN).delete()


def step_count() -> None:
    import django

    django.setup()
    from hubs.models import School

    print(School.objects.filter(urn__gte=FIRST_URN).count())


def step_generate(rows: int, path: Path) -> None:
    from make_gias_sample import load_authorities, school_row, write_gias_csv

    rng = random.Random(rows)
    authorities = load_authorities()

    def build():
        for index in range(rows):
            authority = WALES if index % 16 == 15 else authorities[index % len(authorities)]
            phase = rng.choice((2, 2, 2, 2, 4, 4, 0, 1, 6, 7))
            status = rng.choices((1, 2, 3, 4), weights=(80, 15, 3, 2))[0]
            yield school_row(
                rng, urn=FIRST_URN + index, authority=authority, phase=phase, status=status
            )

    started = time.perf_counter()
    write_gias_csv(path, build())
    size = path.stat().st_size / 1e6
    print(
        f"Generated {path} ({rows:,} rows, {size:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )


def step_import(path: Path) -> None:
    """One import; prints its figures as JSON."""
    import django

    django.setup()
    from hubs.importers import schools_import

    baseline = peak_rss_mb()
    started = time.perf_counter()
    # Lead-school linking is left out: it is a few dozen queries whatever the
    # file's size, and the generated schools are deleted afterwards.
    result = schools_import(path=path, progress=False, link_lead_schools=False)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "created": result.created,
        "updated": result.updated,
        "skipped": result.skipped,
        "bad": result.bad_row_count,
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(),
    }
    print(json.dumps(figures))


STEPS = {"setup": step_setup, "clean": step_clean, "count": step_count}


def step(*args) -> str:
    completed = subprocess.run(
        [sys.executable, __file__, "--step", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        sys.exit(f"Step {' '.join(map(str, args))} failed:\n{completed.stderr}")
    return completed.stdout.strip()


def run(path: Path, rows: int, label: str) -> dict:
    figures = json.loads(step("import", path).splitlines()[-1])
    print(
        f"{label:<21} {rows:>6,} rows {figures['seconds']:6.2f} s "
        f"{rows / figures['seconds']:>7,.0f} rows/s  "
        f"peak RSS {figures['peak_mb']:5.1f} MB ({figures['baseline_mb']:.1f} MB before "
        f"the import)  [{figures['created']:,} new, {figures['updated']:,} updated, "
        f"{figures['skipped']:,} skipped, {figures['bad']} bad]  goal: under {GOAL_SECONDS} s"
    )
    return figures


def main() -> None:
    print(step("setup"))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    files = {rows: BENCH_DIR / f"edubasealldata_{rows}.csv" for rows in (10_000, 50_000)}
    for rows, path in files.items():
        print(step("generate", rows, path))

    try:
        small = run(files[10_000], 10_000, "10,000 rows, inserts")
        step("clean")
        first = run(files[50_000], 50_000, "50,000 rows, inserts")
        second = run(files[50_000], 50_000, "50,000 rows, updates")
        print(f"Schools stored after both 50,000-row runs: {int(step('count')):,}")
    finally:
        step("clean")

    growth = first["peak_mb"] - small["peak_mb"]
    print(
        f"Memory: peak RSS {small['peak_mb']:.1f} MB for 10,000 rows, {first['peak_mb']:.1f} MB "
        f"for 50,000 rows ({growth:+.1f} MB for five times the rows)."
    )
    verdict = "met" if max(first["seconds"], second["seconds"]) < GOAL_SECONDS else "NOT met"
    print(f"Goal (each 50,000-row run under {GOAL_SECONDS} s): {verdict}.")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--step"]:
        name, *args = sys.argv[2:]
        if name == "generate":
            step_generate(int(args[0]), Path(args[1]))
        elif name == "import":
            step_import(Path(args[0]))
        else:
            STEPS[name]()
    else:
        main()

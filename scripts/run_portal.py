"""`make run`: set the portal up and serve it on this machine, with nothing installed.

Unless DATABASE_URL is set, the database is the embedded PostgreSQL under
var/postgres (hubs_portal/lib/local_db.py): started here, kept between runs,
stopped when this script ends (Ctrl-C included). One `make run` per folder at
a time: a second one says so and leaves the first alone.

Then: migrate, the reference data, a sample of the school register, the demo
data and accounts, static files; a Celery worker when CELERY_BROKER_URL is
set; and runserver on HOST:PORT, with SITE_URL matching unless it is set.
"""

import argparse
import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hubs_portal.lib.local_db import embedded_database_url  # noqa: E402

PYTHON = sys.executable
MANAGE = [PYTHON, str(ROOT / "manage.py")]


def hold_the_folder(var_dir: Path, address: str):
    """Lock var/run.lock for as long as this process lives; None if another run holds it."""
    lockfile = open(var_dir / "run.lock", "a+")  # noqa: SIM115 (held until exit)
    try:
        fcntl.flock(lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lockfile.seek(0)
        return None, lockfile.read().strip()
    lockfile.seek(0)
    lockfile.truncate()
    lockfile.write(f"pid {os.getpid()}, serving {address}")
    lockfile.flush()
    return lockfile, ""


def step(*args: str, env: dict) -> None:
    result = subprocess.run([*MANAGE, *args], env=env, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"make run stopped: `manage.py {' '.join(args)}` failed (see above).")


def stop_on_terminate(signum, frame):
    # kill/TERM ends the run as Ctrl-C does, so the database is stopped cleanly.
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    options = parser.parse_args()
    address = f"http://{options.host}:{options.port}"

    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("SITE_URL", address)
    var_dir = Path(env.get("VAR_DIR") or ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)

    held, holder = hold_the_folder(var_dir, address)
    if held is None:
        print(
            f"make run is already running from this folder ({holder}). It keeps one embedded "
            "database; stop that run first (Ctrl-C in its terminal), or open the address above.",
            file=sys.stderr,
        )
        return 1

    signal.signal(signal.SIGTERM, stop_on_terminate)
    if not env.get("DATABASE_URL"):
        print(f"Starting the embedded PostgreSQL (data in {var_dir / 'postgres'})")
        # This process holds the server; it stops when this process exits.
        env["DATABASE_URL"] = embedded_database_url(var_dir)

    children: list[subprocess.Popen] = []
    try:
        step("migrate", "--no-input", env=env)
        step("load_reference_data", env=env)
        step("import_schools", "--no-progress", "fixtures/gias_sample.csv", env=env)
        step("load_demo", env=env)
        step("collectstatic", "--no-input", "--verbosity", "0", env=env)
        if env.get("CELERY_BROKER_URL"):
            print(f"Starting a Celery worker on {env['CELERY_BROKER_URL']}")
            worker = [str(Path(PYTHON).parent / "celery"), "-A", "hubs_portal", "worker"]
            children.append(
                subprocess.Popen([*worker, "--loglevel=INFO", "--concurrency=2"], env=env, cwd=ROOT)
            )
        step("demo_accounts", env=env)
        print(f"\nThe portal: {address}/  (Ctrl-C stops it and its database)\n", flush=True)
        server = subprocess.Popen(
            [*MANAGE, "runserver", f"{options.host}:{options.port}"], env=env, cwd=ROOT
        )
        children.append(server)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        print("Stopped.", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

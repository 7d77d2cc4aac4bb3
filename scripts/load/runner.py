"""Running locust and reading what it recorded."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

from load.common import LOCUSTFILE, ROOT, TEACHER_EMAIL, TEACHER_PASSWORD, VENV_BIN, WORK_DIR
from load.cpu import CpuMonitor, machine_busy
from load.server import Server


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

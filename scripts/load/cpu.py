"""CPU: how busy the machine, the server and the load generator were."""

import itertools
import os
import threading
import time
from pathlib import Path


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

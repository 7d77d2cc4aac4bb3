"""`make serve` started for the load test, and a plain HTTPS GET to ask it things."""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from load.common import ROOT, WORK_DIR


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

"""Real processes for the fault tests (tests/test_faults.py), each private to one test.

A Redis and a PostgreSQL cluster that a test can stop and start again on the
same port, an SMTP server that keeps what it receives, and the portal itself
as production runs it: gunicorn (hubs_portal/gunicorn.conf.py) and a Celery
worker. Every process writes its output to a file in the test's temporary
folder; ``ProcessGroup.logs()`` gathers them for a failure message, and
``ProcessGroup.stop_all()`` ends them (always called from a finaliser).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin/, beside its python
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/local/bin"))

# The subprocesses run the production settings with one change: static files
# come from the source folders, so no collectstatic (13 s) is needed before a
# run. Nothing under test depends on how static files are stored.
FAULT_SETTINGS = """\
from hubs_portal.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable, *, timeout: float, message: str, interval: float = 0.05):
    """Poll ``condition()`` until it is truthy and return it; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"{message} (waited {timeout} s)")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


# --- Processes and their logs ------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        if not self.alive():
            return
        # Each runs in its own process group: gunicorn's and celery's children go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, self.stop_signal)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


@dataclass
class ProcessGroup:
    """The processes and log files of one test."""

    folder: Path
    processes: list[Process] = field(default_factory=list)
    extra_logs: list[Path] = field(default_factory=list)

    def start(
        self, name: str, command: list[str], stop_signal: int = signal.SIGTERM, **kwargs
    ) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **kwargs,
            )
        process = Process(name, popen, log, stop_signal)
        self.processes.append(process)
        return process

    def logs(self, tail: int = 60) -> str:
        parts = []
        for process in self.processes:
            state = "running" if process.alive() else f"exited {process.popen.returncode}"
            parts.append((f"{process.name} (pid {process.pid}, {state})", process.output()))
        parts += [(path.name, path.read_text(errors="replace")) for path in self.extra_logs]
        shown = []
        for title, text in parts:
            lines = text.splitlines()[-tail:]
            shown.append(f"--- {title}: last {len(lines)} lines ---\n" + "\n".join(lines))
        return "\n".join(shown)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    @contextlib.contextmanager
    def logs_on_failure(self):
        """Any failure inside the block carries the processes' logs in its message."""
        try:
            yield
        except (AssertionError, pytest.fail.Exception) as error:
            pytest.fail(f"{error}\n\n{self.logs()}", pytrace=True)


# --- Redis ---------------------------------------------------------------------


class RedisServer:
    """A private redis-server (no persistence) that can stop and start on its port."""

    def __init__(self, group: ProcessGroup):
        self.group = group
        self.port = free_port()
        self.folder = group.folder / "redis"
        self.folder.mkdir(exist_ok=True)
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = self.group.start("redis", command)
        wait_for(self.ping, timeout=10, message=f"redis-server did not start on {self.port}")

    def stop(self) -> None:
        self.process.stop()
        wait_for(lambda: not port_open(self.port), timeout=5, message="redis still listening")

    def ping(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), 1) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False


# --- PostgreSQL --------------------------------------------------------------


class PostgresCluster:
    """A private PostgreSQL cluster: initdb, start, stop (fast) and start again.

    PostgreSQL refuses to run as root: as root, its commands run as the
    ``postgres`` user on a folder that user owns.
    """

    def __init__(self, group: ProcessGroup):
        self.port = free_port()
        # Its own folder under the system's temporary folder: pytest's are
        # private to root, and the postgres user must reach this one.
        self.folder = Path(tempfile.mkdtemp(prefix="portal-faults-pg-"))
        self.data = self.folder / "data"
        self.logfile = self.folder / "postgres.log"
        group.extra_logs.append(self.logfile)
        self.running = False

    def _run(self, *command: str, timeout: float = 60) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_postgres, *command], capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def init(self) -> None:
        self.logfile.touch()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.logfile, "postgres")
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        self._run(*initdb, "--no-sync", "--no-instructions")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile)]
        self._run(*pg_ctl, "-o", options, "-w", "-t", "30", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def destroy(self) -> None:
        """Stop it if it runs and delete its folder."""
        if self.running:
            with contextlib.suppress(Exception, pytest.fail.Exception):
                self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def database_url(database: dict) -> str:
    """A DATABASE_URL for one of Django's DATABASES entries (PostgreSQL)."""
    user = quote(database.get("USER") or "", safe="")
    password = quote(database.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{database['NAME']}"


# --- An SMTP server that keeps what it receives --------------------------------


class _Keep:
    def __init__(self):
        self.received = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(envelope)
        return "250 2.0.0 Message accepted for delivery"


class MailSink:
    def __init__(self):
        self.handler = _Keep()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    @property
    def received(self) -> list:
        with self.handler.lock:
            return list(self.handler.received)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


# --- The portal ----------------------------------------------------------------


class Portal:
    """The portal's web and worker processes, configured by the environment only."""

    def __init__(
        self,
        group: ProcessGroup,
        *,
        database_url: str,
        secret_key: str,
        tls: bool = False,
        **env,
    ):
        """``tls``: gunicorn serves HTTPS with a self-signed certificate, and the
        HTTPS redirect stays on, exactly as ``make serve`` runs it."""
        self.group = group
        self.port = free_port()
        self.tls = tls
        settings_dir = group.folder / "settings"
        settings_dir.mkdir(exist_ok=True)
        (settings_dir / "fault_settings.py").write_text(FAULT_SETTINGS)
        var_dir = group.folder / "var"
        var_dir.mkdir(exist_ok=True)
        inherited = {
            key: value
            for key, value in os.environ.items()
            if key in {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"}
        }
        self.env = {
            **inherited,
            "PYTHONPATH": f"{settings_dir}{os.pathsep}{REPO}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "fault_settings",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret_key,
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "VAR_DIR": str(var_dir),
            "EMAIL_URL": f"file://{var_dir / 'mail'}",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "INFO",
            **env,
        }
        if tls:
            self.env.update(self._certificate(group.folder / "tls"))
            self.env["SECURE_SSL_REDIRECT"] = "1"
            self.env["SITE_URL"] = f"https://127.0.0.1:{self.port}"
        self.web: Process | None = None
        self.worker: Process | None = None

    @staticmethod
    def _certificate(folder: Path) -> dict:
        folder.mkdir(exist_ok=True)
        cert, key = folder / "cert.pem", folder / "key.pem"
        command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        command += ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        command += ["-keyout", str(key), "-out", str(cert)]
        subprocess.run(
            command,
            check=True,
            capture_output=True,
        )
        return {"TLS_CERTFILE": str(cert), "TLS_KEYFILE": str(key)}

    def manage(self, *arguments: str, timeout: float = 120) -> str:
        """Run ``manage.py`` with the portal's environment; its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(f"manage.py {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_web(self, workers: int = 2) -> None:
        command = [str(BIN / "gunicorn"), "-c", "hubs_portal/gunicorn.conf.py"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["hubs_portal.wsgi:application"]
        # SIGINT: gunicorn's quick shutdown (nothing here needs a graceful one).
        self.web = self.group.start(
            "gunicorn", command, stop_signal=signal.SIGINT, cwd=REPO, env=self.env
        )

    def start_worker(self) -> None:
        command = [str(BIN / "celery"), "-A", "hubs_portal", "worker", "--pool", "solo"]
        command += ["--loglevel", "INFO", "-Q", "celery", "-n", "faults@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.worker = self.group.start("celery-worker", command, cwd=REPO, env=self.env)

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until gunicorn answers and the worker (if started) is consuming."""

        def web_ready():
            if not self.web.alive():
                pytest.fail(f"gunicorn exited\n\n{self.group.logs()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                return self.request("GET", "/livez", timeout=2).status == 200
            return False

        with self.group.logs_on_failure():
            wait_for(web_ready, timeout=timeout, message="gunicorn did not answer")
            if self.worker is not None:
                wait_for(
                    lambda: " ready." in self.worker.output() or not self.worker.alive(),
                    timeout=timeout,
                    message="the Celery worker did not get ready",
                )
                assert self.worker.alive(), "the Celery worker exited"

    def worker_pids(self) -> set[int]:
        """The pids of gunicorn's worker processes (children of its master)."""
        master = str(self.web.pid)
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                # pid (comm) state ppid ...: comm may hold spaces, so split after ")".
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if fields[1] == master:
                    children.add(int(stat.parent.name))
        return children

    def request(
        self,
        method: str,
        path: str,
        *,
        cookies: dict | None = None,
        form: dict | None = None,
        headers: dict | None = None,
        timeout: float = 10,
    ) -> Response:
        if self.tls:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout, context=_TRUST_ANY
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            started = time.monotonic()
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            content = raw.read()
            return Response(
                status=raw.status,
                headers={key.lower(): value for key, value in raw.getheaders()},
                set_cookies=_set_cookies(raw.headers.get_all("Set-Cookie") or []),
                set_cookie_lines=raw.headers.get_all("Set-Cookie") or [],
                text=content.decode("utf-8", errors="replace"),
                seconds=time.monotonic() - started,
            )
        finally:
            connection.close()


@dataclass
class Response:
    status: int
    headers: dict
    set_cookies: dict
    set_cookie_lines: list[str]
    text: str
    seconds: float


# The certificate is the test's own, made a moment ago: nothing to verify.
_TRUST_ANY = ssl._create_unverified_context()


def _set_cookies(values: list[str]) -> dict:
    cookies = {}
    for value in values:
        name, _, rest = value.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies

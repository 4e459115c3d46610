"""Real CRM processes for tests: consumers and web servers running as deployed (not in test
mode) against the test database, each with its own log file, stopped at the end."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

REDIS_URL = "redis://127.0.0.1:6379/13"


def database_url() -> str:
    """The test database, as a CRM_DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a deployed CRM on the test database and media. Its var/ (where
    the embedded queue and cache live) is `var_dir`; jobs queue there unless `extra` gives
    a CRM_REDIS_URL."""
    env = {k: v for k, v in os.environ.items() if k != "CRM_REDIS_URL"}
    return {
        **env,
        "CRM_TESTING": "0",
        "CRM_DATABASE_URL": database_url(),
        "CRM_VAR_DIR": str(var_dir),
        "CRM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CRM_SECRET_KEY": settings.SECRET_KEY,
        "CRM_LOG_LEVEL": "INFO",
        **extra,
    }


class Process:
    """A started process whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        with open(log, "wb") as out:
            # The arguments are the CRM's own commands, never input.
            self.popen = subprocess.Popen(  # noqa: S603
                args, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Ask it to stop (a consumer finishes its running task first); kill it if slow."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)  # huey: finish the running task; gunicorn: quit
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def consumer(env: dict[str, str], log: Path, *, scheduler: bool = False) -> Process:
    """`crm worker`, as operations runs it."""
    args = [sys.executable, "-m", "crm.cli", "worker", *(["--scheduler"] if scheduler else [])]
    return Process(args, env, log)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server(Process):
    """gunicorn serving crm.wsgi on a free local port, as operations runs it."""

    def __init__(self, env: dict[str, str], log: Path):
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        args = [sys.executable, "-m", "gunicorn", "crm.wsgi", "--bind", f"127.0.0.1:{port}"]
        super().__init__(args, env, log)

    def wait_ready(self, seconds: float = 60) -> None:
        def answers() -> bool:
            try:
                return requests.get(f"{self.url}/login/", timeout=5).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False  # not listening yet, or its first answer still on the way

        wait_for(answers, seconds, lambda: f"{self.url} does not answer:\n{self.output()}")


def wait_for(check: Callable[[], object], seconds: float, explain: Callable[[], str]):
    """Poll until `check()` is true and return it; fail with `explain()` at the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.02)
    raise AssertionError(f"not so after {seconds} s: {explain()}")


@contextlib.contextmanager
def running(*processes: Process) -> Iterator[None]:
    """Stop the processes on leaving, whatever happened."""
    try:
        yield
    finally:
        for process in processes:
            process.stop()

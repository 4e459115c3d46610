"""The `crm` command: every Django management command, plus run, demo, worker and token.

crm run [--host H] [--port P] [--workers N] [--no-worker]
crm demo
crm worker [--scheduler] [--workers N]
crm token create USERNAME [--name NAME] [--read-only]
crm <any Django command>          (crm migrate, crm createsuperuser, crm shell ...)
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

DEMO_USERNAMES = (
    "admin", "director", "manager", "sales1", "sales2", "manager2", "sales3", "service",
    "finance",
)  # fmt: skip


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()


# ---------------------------------------------------------------------------- run


def _wsgi_application():
    """The CRM's WSGI app, also serving /static/ from the app directories (no collectstatic)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    return StaticFilesHandler(get_wsgi_application())


def _serve(host: str, port: int, workers: int, on_ready: Callable[[], None]) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def __init__(self, options: dict):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            return _wsgi_application()

    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 120,
            "graceful_timeout": 10,
            "errorlog": "-",
            "loglevel": "warning",
            "when_ready": lambda _server: on_ready(),
        }
    ).run()


def _start_worker() -> subprocess.Popen:
    # The embedded consumer is the only one, so it also runs the periodic jobs.
    return subprocess.Popen([sys.executable, "-m", "crm.cli", "worker", "--scheduler"])


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _banner(host: str, port: int, show_demo: bool) -> None:
    from django.conf import settings

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    lines = ["", f"  CRM is running at http://{shown_host}:{port}/", ""]
    if show_demo:
        lines += [
            f"  Demo logins (password {settings.CRM_DEMO_PASSWORD}):",
            "    " + ", ".join(DEMO_USERNAMES),
            "",
        ]
    lines += ["  Press Ctrl+C to stop.", ""]
    print("\n".join(lines), flush=True)


def run(argv: Sequence[str]) -> int:
    """Migrate, load the demo company on first start, start a consumer and serve."""
    parser = argparse.ArgumentParser(prog="crm run", description=run.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="web worker processes")
    parser.add_argument("--no-worker", action="store_true", help="do not start a consumer")
    args = parser.parse_args(argv)

    _setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=1)
    users = get_user_model().objects
    if not users.exists():
        from crm import demo

        print("Loading the demo company (first start) ...", flush=True)
        demo.load(verbose=True)
    show_demo = users.filter(username="sales1").exists()
    connections.close_all()  # the web workers fork from this process

    worker = None if args.no_worker else _start_worker()
    try:
        _serve(args.host, args.port, args.workers, lambda: _banner(args.host, args.port, show_demo))
    finally:
        _stop(worker)
    return 0


# ---------------------------------------------------------------------------- demo


def demo(argv: Sequence[str]) -> int:
    """Load the demo company; only what is missing is created, so it can run again."""
    argparse.ArgumentParser(prog="crm demo", description=demo.__doc__).parse_args(argv)
    _setup()
    from crm import demo as demo_data

    demo_data.load(verbose=True)
    from django.conf import settings

    print(f"Demo logins (password {settings.CRM_DEMO_PASSWORD}): {', '.join(DEMO_USERNAMES)}")
    return 0


# -------------------------------------------------------------------------- worker


def worker(argv: Sequence[str]) -> int:
    """Run a background consumer; exactly one consumer should run with --scheduler."""
    parser = argparse.ArgumentParser(prog="crm worker", description=worker.__doc__)
    parser.add_argument("--scheduler", action="store_true", help="also enqueue periodic jobs")
    parser.add_argument("--workers", type=int, default=2, help="worker threads")
    args = parser.parse_args(argv)
    _setup()
    from django.core.management import call_command

    # Log through the project's handlers; run_huey would add a second one of its own.
    logging.getLogger("huey").addHandler(logging.NullHandler())
    options = {"workers": args.workers}
    if not args.scheduler:
        options["periodic"] = False
    call_command("run_huey", **options)
    return 0


# --------------------------------------------------------------------------- token


def token(argv: Sequence[str]) -> int:
    """Manage personal API tokens."""
    parser = argparse.ArgumentParser(prog="crm token", description=token.__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create a token and print it (shown only once)")
    create.add_argument("username")
    create.add_argument("--name", default="cli", help="what the token is for")
    create.add_argument("--read-only", action="store_true", help="allow reading only")
    args = parser.parse_args(argv)
    _setup()
    from django.contrib.auth import get_user_model

    from crm.org.tokens import create_token

    try:
        user = get_user_model().objects.get(username=args.username, is_active=True)
    except get_user_model().DoesNotExist:
        print(f"crm token: no active user named {args.username!r}", file=sys.stderr)
        return 1
    api_token, raw = create_token(user, args.name, read_only=args.read_only)
    kind = "read-only " if api_token.read_only else ""
    print(
        f"Created {kind}token {api_token.prefix}… for {user.username}. "
        "It is shown once; store it now.",
        file=sys.stderr,
    )
    print(raw)
    return 0


# ---------------------------------------------------------------------------- main

COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "run": run,
    "demo": demo,
    "worker": worker,
    "token": token,
}


def _help() -> None:
    print(__doc__)
    print("Django's commands follow.\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command in COMMANDS:
        return COMMANDS[command](args[1:])
    if command == "help" and len(args) == 2 and args[1] in COMMANDS:
        return COMMANDS[args[1]](["--help"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from django.core.management import execute_from_command_line

    if command in ("help", "-h", "--help") and len(args) <= 1:
        _help()
    execute_from_command_line(["crm", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `crm` command: every Django management command, plus run, demo, worker and token.

crm run [--host H] [--port P] [--workers N] [--no-worker]
crm demo
crm worker [--scheduler] [--workers N]
crm token create USERNAME [--name NAME] [--read-only]
crm import TYPE FILE [--mapping NAME] [--on-duplicate skip|update|create] [--match KEY]
           [--add-missing-choices]
           [--user NAME]
crm export TYPE FILE [--user NAME]
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

    class StaticFiles(StaticFilesHandler):
        # Static files bypass the middleware, where pages get this header: browsers must
        # not guess a type other than the one sent for them either.
        def get_response(self, request):
            response = super().get_response(request)
            response["X-Content-Type-Options"] = "nosniff"
            return response

    return StaticFiles(get_wsgi_application())


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


# ------------------------------------------------------------------ import, export


def _object_type(name: str):
    """A registered type by key ("customer") or plural ("customers"); exits if unknown."""
    from crm.core import registry

    for object_type in registry.all_types():
        if name.lower() in (object_type.key, object_type.slug):
            return object_type
    known = ", ".join(t.slug for t in registry.all_types())
    raise SystemExit(f"crm: no object type {name!r} (one of: {known})")


def _acting_user(username: str | None):
    """The named active user, or the first active administrator; exits if there is none."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=username).first() if username else None
    if username is None:
        user = users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise SystemExit(
            f"crm: no active user {username!r}" if username else "crm: no administrator"
        )
    return user


def _print_progress(job) -> None:
    from crm.core.imports.services import summary_line

    total = f"/{job.total}" if job.total else ""
    print(
        f"\r{job.checkpoint}{total} rows ({job.percent}%)  {summary_line(job)}", end="", flush=True
    )


def import_(argv: Sequence[str]) -> int:
    """Import a .csv, .xlsx or .xls file into a type, as the wizard does, with progress."""
    parser = argparse.ArgumentParser(prog="crm import", description=import_.__doc__)
    parser.add_argument("type", help="customers, contacts ...")
    parser.add_argument("file")
    parser.add_argument("--mapping", help="a saved mapping template (default: the best match)")
    parser.add_argument("--on-duplicate", choices=["skip", "update", "create"], default="skip")
    parser.add_argument(
        "--match",
        help="key finding existing records, e.g. number, name+phone (default: the first the "
        "columns allow; with none, every row creates a record)",
    )
    parser.add_argument(
        "--add-missing-choices",
        action="store_true",
        help="add values that are not dictionary items to their dictionaries (else the rows "
        "with them fail)",
    )
    parser.add_argument("--user", help="import as this user (default: the first administrator)")
    args = parser.parse_args(argv)
    _setup()
    import shutil
    import threading
    import time
    from pathlib import Path

    from django.core.files import File

    from crm.core import jobs
    from crm.core.errors import DomainError
    from crm.core.imports import services as imports
    from crm.core.imports.engine import match_choices
    from crm.core.models import JobStatus

    object_type = _object_type(args.type)
    user = _acting_user(args.user)
    try:
        template = imports.template_named(object_type, user, args.mapping) if args.mapping else None
    except DomainError:
        raise SystemExit(f"crm import: no mapping template {args.mapping!r}") from None
    path = Path(args.file)
    try:
        with open(path, "rb") as handle:
            job = imports.upload(user, object_type, File(handle, name=path.name), template=template)
        columns = job.params["columns"]
        policy, match = imports.duplicate_policy(
            object_type, columns, args.on_duplicate, args.match or ""
        )
        keys = dict(match_choices(object_type, columns))
        if match and match not in keys:
            imports.discard(job)
            raise SystemExit(f"crm import: --match must be one of: {', '.join(keys)}")
        unknown = job.params["unknown"]
        added = imports.every_unknown_added(job, columns) if args.add_missing_choices else {}
        try:
            imports.configure(job, user, columns, policy, match, values=added)
        except DomainError:
            imports.discard(job)
            raise
        imports.start(job, user)
    except (DomainError, OSError) as exc:
        fields = getattr(exc, "fields", {})
        details = "; ".join(m for messages in fields.values() for m in messages)
        raise SystemExit(f"crm import: {exc}{' ' + details if details else ''}") from exc
    mapped = [
        f"{h} -> {c}"
        for h, c in zip(job.params["headers"], job.params["columns"], strict=True)
        if c
    ]
    print(f"Import #{job.pk}: {', '.join(mapped)}", flush=True)
    if unknown and not args.add_missing_choices:
        listed = "; ".join(f"{key}: {', '.join(texts)}" for key, texts in unknown.items())
        print(f"Not dictionary items (their rows fail; --add-missing-choices adds them): {listed}")
    # This process does the work unless a running consumer took the job first.
    worker = threading.Thread(target=jobs.run, args=(job.pk,), daemon=True)
    worker.start()
    while True:
        job.refresh_from_db()
        _print_progress(job)
        if job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED):
            break
        time.sleep(1)
    print()
    if job.result_file:
        errors = path.with_name(f"{path.stem}-errors.xlsx")
        with job.result_file.open("rb") as source, open(errors, "wb") as target:
            shutil.copyfileobj(source, target)
        print(f"Rows not imported, with the reasons: {errors}")
    if job.status != JobStatus.DONE:
        print(f"crm import: {job.get_status_display()} {job.message}", file=sys.stderr)
        return 1
    print(imports.summary_line(job))
    return 0


def export(argv: Sequence[str]) -> int:
    """Write a type's list, as the list's export does, to a .csv or .xlsx file."""
    parser = argparse.ArgumentParser(prog="crm export", description=export.__doc__)
    parser.add_argument("type", help="customers, contacts ...")
    parser.add_argument("file", help="ends in .csv or .xlsx")
    parser.add_argument("--user", help="export what this user sees (default: first administrator)")
    args = parser.parse_args(argv)
    _setup()
    from django.utils import translation

    from crm.core import exports

    object_type = _object_type(args.type)
    user = _acting_user(args.user)
    with translation.override(getattr(user, "language", None) or None):
        count = exports.write_file(object_type, user, args.file)
    print(f"Exported {count} {object_type.slug} to {args.file}")
    return 0


# ---------------------------------------------------------------------------- main

COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "run": run,
    "demo": demo,
    "worker": worker,
    "token": token,
    "import": import_,
    "export": export,
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

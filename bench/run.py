"""`make bench`: generate a scale into its own database, serve it with gunicorn (2 workers)
and measure the operations of BENCH.md, each with its floor measured in the same run.

The operations are a table (`operations()`): the platform's rows here and each app's rows
(`crm.core.contributions.BenchOperation`: id, title, target, the function that measures it
with the generic measurements of `Bench`, the users it runs as); the runner loops over it.

    python -m bench.run [--scale S|M|L] [--backend postgresql|sqlite] [--keep] [--reuse]
                        [--only L1,S2,...]

Prints a markdown table and writes a JSON list under bench/results/. Never fails on a
missed target (exit status 0 unless the bench itself could not run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench.load import Http, Timing, run_load
from crm.core import contributions
from crm.core.contributions import BenchOperation

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VAR = RESULTS / "var"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crm_bench_{scale}"
PAGE_SIZE = 50
DEEP_PAGES = 10_000
# Rows of the generated import files per scale: I1 (CSV) and I2 (XLSX, 100k at most).
IMPORT_ROWS = {"S": 20_000, "M": 100_000, "L": 1_000_000}
XLSX_ROWS = 100_000

HTMX = {"HX-Request": "true", "HX-Target": "results"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------- the database


@dataclass
class Database:
    backend: str
    scale: str
    url: str
    path: Path | None = None  # SQLite file

    @classmethod
    def for_run(cls, backend: str, scale: str) -> Database:
        if backend == "postgresql":
            url = os.environ.get("CRM_BENCH_DATABASE_URL", DEFAULT_PG)
            return cls(backend, scale, url.format(scale=scale.lower()))
        path = VAR / f"bench-{scale}.sqlite3"
        return cls(backend, scale, f"sqlite:///{path}", path)

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[1]

    def _admin_connection(self):
        import psycopg

        return psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True)

    def create(self) -> None:
        if self.backend == "postgresql":
            with self._admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def drop(self) -> None:
        if self.backend == "postgresql":
            with self._admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @property
    def marker(self) -> Path:
        return VAR / f"generated-{self.backend}-{self.scale}.json"


# ---------------------------------------------------------------------------- server


class Server:
    """gunicorn with 2 workers (gthread, 4 threads each: the `crm run` setup) on 127.0.0.1."""

    def __init__(self, env: dict[str, str]):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log_file = open(VAR / "gunicorn.log", "w")
        self.process = subprocess.Popen(
            [
                gunicorn,
                "bench.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "300",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline and self.process.poll() is None:
            try:
                status = Http(self.port).get("/_bench/bare")[1]
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start; see {VAR / 'gunicorn.log'}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


# --------------------------------------------------------------------------- results


@dataclass
class Row:
    id: str
    operation: str
    scale: str
    backend: str
    user: str = ""
    p50_ms: float | None = None
    p95_ms: float | None = None
    rows_per_s: float | None = None
    req_per_s: float | None = None
    queries: int | None = None
    floor_ms: float | None = None
    floor: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict:
        data = {
            "id": self.id,
            "operation": self.operation,
            "scale": self.scale,
            "backend": self.backend,
            "user": self.user,
            "p50_ms": _round(self.p50_ms),
            "p95_ms": _round(self.p95_ms),
            "rows_per_s": _round(self.rows_per_s, 0),
            "req_per_s": _round(self.req_per_s, 1),
            "queries": self.queries,
            "floor_ms": _round(self.floor_ms),
            "floor": self.floor,
            "ratio": _round(self.ratio, 2),
            "target": self.target,
            "pass": self.passed,
            "notes": self.notes,
        }
        data.update({k: _round(v) if isinstance(v, float) else v for k, v in self.extra.items()})
        return {k: v for k, v in data.items() if v is not None and v != ""}


def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None:
        return None
    return round(value, digits)


def _ok(*conditions: bool | None) -> bool:
    return all(c is not False for c in conditions)


# --------------------------------------------------------------------------- capture

_LITERAL = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_READ = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


def normalized(sql: str) -> str:
    return _NUMBER.sub("?", _LITERAL.sub("?", sql))


def replay(sqls: list[str], reps: int) -> float:
    """Median milliseconds to run `sqls` (reads only) straight on the database connection."""
    from django.db import connection

    reads = [s for s in sqls if _READ.match(s)]
    if not reads:
        return 0.0
    connection.ensure_connection()
    raw = connection.connection
    samples = []
    for n in range(reps + 2):
        started = time.perf_counter()
        for sql in reads:
            cursor = raw.cursor()
            cursor.execute(sql)
            cursor.fetchall()
            cursor.close()
        if n >= 2:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@dataclass
class Persona:
    """A signed-in user: a session cookie for HTTP, a test client for SQL capture."""

    label: str
    user: Any
    session: str
    token: str
    http: Http
    api_http: Http
    client: Any
    api_client: Any
    hello_ms: float = 0.0
    hello_queries: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- runner


class Bench:
    def __init__(self, db: Database, server: Server, args, generated: dict):
        from django.conf import settings

        self.db = db
        self.server = server
        self.args = args
        self.generated = generated
        self.rows: list[Row] = []
        self.settings = settings
        self.repeat = args.repeat
        self.reps = max(10, args.repeat // 3)  # SQL replays per floor
        self.l1_p50: dict[str, float] = {}
        self.only = set(args.only.split(",")) if args.only else None
        self.dumped = 0
        self.current = ""
        self.operation: BenchOperation | None = None
        shutil.rmtree(RESULTS / "sql" / f"{db.scale}-{db.backend}", ignore_errors=True)

    # -- helpers --------------------------------------------------------------------
    def wanted(self, op_id: str) -> bool:
        return self.only is None or op_id in self.only

    def row(self, op_id: str, operation: str, **kw) -> Row:
        """A result row; its target is the measured operation's unless given."""
        if self.operation is not None:
            kw.setdefault("target", self.operation.target)
        row = Row(op_id, operation, self.db.scale, self.db.backend, **kw)
        self.rows.append(row)
        return row

    def guarded(self, operation: BenchOperation, persona: Persona) -> None:
        """Measure one row of the table for one user."""
        if not self.wanted(operation.id):
            return
        user = persona.label
        log(f"{operation.id} {operation.title} ({user})")
        self.current = f"{operation.id}-{user}"
        self.operation = operation
        try:
            operation.run(self, persona)
        except Exception as exc:  # a failed measurement is a row, not a crashed bench
            traceback.print_exc()
            self.row(
                operation.id, operation.title, user=user, passed=False, notes=f"error: {exc}"[:300]
            )
        finally:
            self.operation = None

    def persona(self, username: str, label: str) -> Persona:
        from django.test import Client

        from crm.org.models import User
        from crm.org.tokens import create_token

        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        session = client.cookies[self.settings.SESSION_COOKIE_NAME].value
        _, token = create_token(user, "bench")
        api_client = Client(headers={"Authorization": f"Bearer {token}"})
        cookie = f"{self.settings.SESSION_COOKIE_NAME}={session}"
        http = Http(self.server.port, {"Cookie": cookie})
        api_http = Http(self.server.port, {"Authorization": f"Bearer {token}"})
        return Persona(label, user, session, token, http, api_http, client, api_client)

    def capture(self, client, path: str, headers: dict | None = None, expect=200):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(path, headers=headers or {})  # per-process caches (content types) warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, headers=headers or {})
            if response.streaming:
                b"".join(response.streaming_content)
        if response.status_code != expect:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        sqls = [q["sql"] for q in ctx.captured_queries]
        self.dump(path, sqls)
        return sqls

    def dump(self, path: str, sqls: list[str]) -> None:
        """Keep the captured SQL of each request under results/sql/ for reading misses."""
        self.dumped += 1
        folder = RESULTS / "sql" / f"{self.db.scale}-{self.db.backend}"
        folder.mkdir(parents=True, exist_ok=True)
        text = f"-- {path}\n-- {len(sqls)} queries\n\n" + ";\n\n".join(sqls) + ";\n"
        (folder / f"{self.dumped:03d}-{self.current}.sql").write_text(text)

    def floors(self, persona: Persona, sqls: list[str]) -> tuple[float, float]:
        """(SQL floor of all the queries, page floor = hello + SQL floor beyond hello's)."""
        sql_floor = replay(sqls, self.reps)
        remaining = Counter(normalized(s) for s in persona.hello_queries)
        beyond = []
        for sql in sqls:
            key = normalized(sql)
            if remaining[key]:
                remaining[key] -= 1
            else:
                beyond.append(sql)
        return sql_floor, persona.hello_ms + replay(beyond, self.reps)

    def http_op(self, persona: Persona, path: str, headers: dict | None = None) -> Timing:
        return persona.http.time("GET", path, repeat=self.repeat, headers=headers)

    # -- floors ---------------------------------------------------------------------
    def measure_http_floors(self, personas: list[Persona]) -> None:
        bare = Http(self.server.port).time("GET", "/_bench/bare", repeat=self.repeat * 2)
        self.bare_ms = bare.p50
        self.row(
            "F0",
            "bare WSGI callable (floor)",
            p50_ms=bare.p50,
            p95_ms=bare.p95,
            notes="gunicorn, same workers",
        )
        for persona in personas:
            hello = self.http_op(persona, "/_bench/hello/")
            persona.hello_ms = hello.p50
            persona.hello_queries = self.capture(persona.client, "/_bench/hello/")
            self.row(
                "F0",
                "authenticated hello (page floor part)",
                user=persona.label,
                p50_ms=hello.p50,
                p95_ms=hello.p95,
                queries=len(persona.hello_queries),
            )

    # -- lists ----------------------------------------------------------------------
    def list_path(self, url_name: str, query: dict) -> str:
        from django.urls import reverse

        return f"{reverse(url_name)}?{urlencode(query)}"

    def api_path(self, root: str, query: dict) -> str:
        query = {("limit" if k == "per_page" else k): v for k, v in query.items()}
        return f"{root}?{urlencode(query)}"

    def measure_list(
        self, persona: Persona, what: str, path: str, *, checks=(), notes: str = ""
    ) -> tuple[Timing, list[str]]:
        """One L1 row: a list's htmx partial over HTTP against its page floor."""
        timing = self.http_op(persona, path, HTMX)
        sqls = self.capture(persona.client, path, HTMX)
        sql_floor, page_floor = self.floors(persona, sqls)
        ratio = timing.p50 / page_floor
        self.row(
            "L1",
            what,
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(sqls),
            floor_ms=page_floor,
            floor="page",
            ratio=ratio,
            passed=_ok(timing.p50 <= 20, timing.p95 <= 60, ratio <= 8, *checks),
            notes=notes,
            extra={"sql_floor_ms": sql_floor},
        )
        return timing, sqls

    def measure_l1(self, persona: Persona, what: str, url_name: str, query: dict) -> None:
        """L1: a list's htmx partial, its query count at 20, 50 and 100 rows, and L5."""
        sizes = {
            size: self.capture(
                persona.client, self.list_path(url_name, {**query, "per_page": size}), HTMX
            )
            for size in ("20", str(PAGE_SIZE), "100")
        }
        counts = [len(sqls) for sqls in sizes.values()]
        timing, sqls = self.measure_list(
            persona,
            what,
            self.list_path(url_name, query),
            checks=(max(counts) <= 6, len(set(counts)) == 1),
            notes="queries at 20/50/100 rows: " + "/".join(map(str, counts)),
        )
        self.l1_p50[persona.label] = timing.p50
        self.measure_l5(persona, sqls)

    def measure_list_search(self, persona: Persona, url_name: str, q: str) -> None:
        """L1 with the list's quick search for a common word instead of the status filter."""
        from django.urls import reverse

        name = url_name.split(":")[1].removesuffix("_list")
        path = f"{reverse(url_name)}?{urlencode({'q': q, 'per_page': str(PAGE_SIZE)})}"
        what = f"{name} list, htmx partial, quick search “{q}”"
        self.measure_list(persona, what, path)

    def measure_l5(self, persona: Persona, sqls: list[str]) -> None:
        counts = [s for s in sqls if re.search(r"\bCOUNT\(", s, re.IGNORECASE)]
        if not counts:
            self.row("L5", "count on the list page", user=persona.label, notes="no count query")
            return
        ms = replay(counts, self.reps * 2)
        capped = all(re.search(r"\bLIMIT\b", s, re.IGNORECASE) for s in counts)
        self.row(
            "L5",
            "count on the list page (SQL)",
            user=persona.label,
            p50_ms=ms,
            queries=len(counts),
            target="≤ 5 ms; capped or estimated",
            passed=_ok(ms <= 5, capped),
            notes="capped (LIMIT inside)" if capped else "UNCAPPED COUNT",
        )

    def measure_l2(self, persona: Persona, what: str, root: str, query: dict) -> None:
        """L2: an API collection's list with a bearer token."""
        path = self.api_path(root, query)
        timing = persona.api_http.time("GET", path, repeat=self.repeat)
        sqls = self.capture(persona.api_client, path)
        # Token auth replaces the hello's session query: the page floor counts both.
        sql_floor, page_floor = self.floors(persona, sqls)
        ratio = timing.p50 / page_floor
        self.row(
            "L2",
            what,
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(sqls),
            floor_ms=page_floor,
            floor="page",
            ratio=ratio,
            passed=_ok(timing.p50 <= 10, timing.p95 <= 30, ratio <= 4),
            extra={"sql_floor_ms": sql_floor},
        )

    def measure_l3(self, persona: Persona, what: str, url_name: str, query: dict) -> None:
        """L3: a list on a custom field filter and another sort, against its SQL floor."""
        path = self.list_path(url_name, query)
        timing = self.http_op(persona, path, HTMX)
        sqls = self.capture(persona.client, path, HTMX)
        sql_floor, page_floor = self.floors(persona, sqls)
        ratio = timing.p50 / sql_floor
        ratio_applies = sql_floor > 20
        self.row(
            "L3",
            what,
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(sqls),
            floor_ms=sql_floor,
            floor="SQL",
            ratio=ratio,
            passed=_ok(timing.p50 <= 40, timing.p95 <= 150, not ratio_applies or ratio <= 2),
            notes="" if ratio_applies else "SQL ≤ 20 ms: ratio not judged",
            extra={"page_floor_ms": page_floor},
        )

    def deep_cursor(self, persona: Persona, type_key: str, params: dict) -> tuple[str, int] | None:
        """The cursor of a page DEEP_PAGES deep (or the deepest there is), found in SQL."""
        from django.http import QueryDict

        from crm.core import lists, paging, registry

        object_type = registry.get(type_key)
        qs, query = lists.build(object_type, persona.user, QueryDict(urlencode(params)))
        total = qs.count()
        depth = min(DEEP_PAGES, (total - 1) // PAGE_SIZE)
        if depth < 1:
            return None
        field_name = query.ordering.lstrip("-")
        sign = "-" if query.ordering.startswith("-") else ""
        value, pk = qs.order_by(f"{sign}{field_name}", f"{sign}pk").values_list(field_name, "pk")[
            depth * PAGE_SIZE - 1
        ]
        return paging._encode(field_name, value, pk, False), depth

    def measure_l4(self, persona: Persona, type_key: str, url_name: str, query: dict) -> None:
        """L4: the list of L1 a keyset cursor deep, against L1's time."""
        found = self.deep_cursor(persona, type_key, query)
        if found is None:
            self.row("L4", "deep keyset page", user=persona.label, notes="fewer than 2 pages")
            return
        cursor, depth = found
        path = f"{self.list_path(url_name, query)}&cursor={quote(cursor)}"
        timing = self.http_op(persona, path, HTMX)
        sqls = self.capture(persona.client, path, HTMX)
        l1 = self.l1_p50.get(persona.label)
        ratio = timing.p50 / l1 if l1 else None
        offsets = [s for s in sqls if re.search(r"\bOFFSET\b", s, re.IGNORECASE)]
        self.row(
            "L4",
            f"{type_key} list page {depth:,} pages deep (keyset cursor)",
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(sqls),
            floor_ms=l1,
            floor="L1",
            ratio=ratio,
            passed=_ok(timing.p50 <= 20, timing.p95 <= 60, ratio is None or ratio <= 1.2),
            notes=(f"{len(offsets)} queries with OFFSET" if offsets else "no OFFSET")
            + (f"; only {depth} pages exist at this scale" if depth < DEEP_PAGES else ""),
        )

    # -- search ---------------------------------------------------------------------
    def measure_search(self, persona: Persona, op_id: str, what: str, q: str, limit: int):
        path = f"/search/?{urlencode({'q': q})}"
        headers = {"HX-Request": "true"}
        timing = self.http_op(persona, path, headers)
        sqls = self.capture(persona.client, path, headers)
        sql_floor, page_floor = self.floors(persona, sqls)
        ratio = timing.p50 / sql_floor if sql_floor else None
        net = (timing.p50 - persona.hello_ms) / sql_floor if sql_floor else None
        self.row(
            op_id,
            f"{what}, top-bar dropdown (htmx)",
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(sqls),
            floor_ms=sql_floor,
            floor="SQL",
            ratio=ratio,
            passed=_ok(timing.p50 <= 50, timing.p95 <= 150, ratio is None or ratio <= limit),
            extra={"page_floor_ms": page_floor, "ratio_beyond_hello": net},
        )

    def measure_s4(self, persona: Persona, what: str, path: str) -> None:
        """S4: a type-ahead request to an API collection with the session."""
        timing = self.http_op(persona, path)
        sqls = self.capture(persona.client, path)
        sql_floor, page_floor = self.floors(persona, sqls)
        ratio = timing.p50 / page_floor
        self.row(
            "S4",
            what,
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(sqls),
            floor_ms=page_floor,
            floor="page",
            ratio=ratio,
            passed=_ok(timing.p50 <= 15, timing.p95 <= 40, ratio <= 5),
            extra={"sql_floor_ms": sql_floor},
        )

    # -- detail ---------------------------------------------------------------------
    def measure_d1(self, persona: Persona, pages: list[tuple[str, str]]) -> None:
        """D1: a record's detail page and the tabs it loads, each as (path, what)."""
        for path, what in pages:
            timing = self.http_op(persona, path)
            sqls = self.capture(persona.client, path)
            sql_floor, page_floor = self.floors(persona, sqls)
            self.row(
                "D1",
                what,
                user=persona.label,
                p50_ms=timing.p50,
                p95_ms=timing.p95,
                queries=len(sqls),
                floor_ms=page_floor,
                floor="page",
                ratio=timing.p50 / page_floor,
                passed=_ok(timing.p50 <= 35, timing.p95 <= 100, len(sqls) <= 12),
                extra={"sql_floor_ms": sql_floor},
            )

    # -- framework ------------------------------------------------------------------
    def measure_f1(self, persona: Persona) -> None:
        cookie = persona.http.headers["Cookie"]
        total = 4000 if self.db.scale == "S" else 6000

        def bare(n):
            return "GET", "/_bench/bare", {}, None

        def hello(n):
            return "GET", "/_bench/hello/", {"Cookie": cookie}, None

        bare_load = run_load(self.server.port, bare, clients=8, total=total, max_seconds=5)
        hello_load = run_load(self.server.port, hello, clients=8, total=total, max_seconds=8)
        ratio = hello_load.req_per_s / bare_load.req_per_s
        self.row(
            "F1",
            "authenticated hello vs bare WSGI, 8 connections",
            user=persona.label,
            p50_ms=hello_load.p50,
            p95_ms=hello_load.p95,
            req_per_s=hello_load.req_per_s,
            floor="bare WSGI req/s",
            ratio=ratio,
            passed=ratio >= 0.5,
            notes=f"bare WSGI {bare_load.req_per_s:,.0f} req/s; the load generator shares "
            "the 2 cores",
            extra={"floor_req_per_s": bare_load.req_per_s},
        )

    def measure_f4(self, persona: Persona) -> None:
        """F4: from pressing "Sign in" to the workbench: the POST with the password, then
        the page it redirects to; the floor is the password hash's verification alone."""
        from django.contrib.auth.hashers import check_password

        from bench.generate import PASSWORD

        stored = persona.user.password
        hash_ms = _bench_call(lambda: check_password(PASSWORD, stored), 7)
        posts, pages, totals = [], [], []
        for _ in range(12):  # allauth allows 30 sign-ins a minute from one address
            http = Http(self.server.port)
            _, status, body, response = http.get("/login/")
            cookie = _cookie(response, self.settings.CSRF_COOKIE_NAME)
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            if status != 200 or not cookie or not token:
                raise RuntimeError(f"/login/ answered {status} without a CSRF token")
            form = urlencode(
                {
                    "username": persona.user.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": token.group(1).decode(),
                }
            ).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            post_ms, status, _, response = http.request("POST", "/login/", form, headers)
            session = _cookie(response, self.settings.SESSION_COOKIE_NAME)
            if status != 302 or not session:
                raise RuntimeError(f"signing in answered {status}")
            page_ms, status, _, _ = http.get(response.getheader("Location"), {"Cookie": session})
            if status != 200:
                raise RuntimeError(f"the workbench answered {status}")
            http.close()
            posts.append(post_ms)
            pages.append(page_ms)
            totals.append(post_ms + page_ms)
        timing = Timing(totals)
        self.row(
            "F4",
            "sign-in to the workbench (password POST + the workbench page)",
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            floor_ms=hash_ms,
            floor="password hash (Argon2) alone",
            ratio=timing.p50 / hash_ms,
            passed=timing.p50 <= 300,
            notes=f"POST p50 {statistics.median(posts):.0f} ms, workbench p50 "
            f"{statistics.median(pages):.0f} ms, hash alone {hash_ms:.0f} ms",
        )

    def measure_f2(self, admin: Persona, type_key: str) -> None:
        """F2: the API list's serialization of 200 rows of a type, as crm/core/api.py."""
        from django.http import QueryDict
        from pydantic import TypeAdapter
        from typing_extensions import TypedDict

        from crm.core import api as core_api
        from crm.core import lists, paging, registry

        object_type = registry.get(type_key)
        fields = core_api._out_fields(object_type.schema_out)
        qs, query = lists.build(object_type, admin.user, QueryDict("ordering=-updated_at"))
        rows = paging.paginate(qs, query.ordering, fields=fields, limit=200).rows
        adapter = _api_page_adapter(object_type)
        renamed = [core_api._rename(dict(r)) for r in rows]
        annotations = {n: f.annotation for n, f in object_type.schema_out.model_fields.items()}
        floor_adapter = TypeAdapter(list[TypedDict("Row", annotations)])  # type: ignore[misc]

        def api_path():
            items = [core_api._rename(dict(r)) for r in rows]
            adapter.dump_json(adapter.validate_python({"items": items, "next_cursor": None}))

        def floor_path():
            floor_adapter.dump_json(renamed)

        api_ms = _bench_call(api_path, 200)
        floor_ms = _bench_call(floor_path, 200)
        per_row = api_ms * 1000 / len(rows)
        ratio = api_ms / floor_ms
        self.row(
            "F2",
            f"API list serialization ({len(rows)} rows: validate + dump_json, as core/api.py)",
            user="admin",
            p50_ms=api_ms,
            floor_ms=floor_ms,
            floor="TypeAdapter(list[TypedDict]).dump_json",
            ratio=ratio,
            passed=_ok(per_row <= 10, ratio <= 2),
            notes=f"{per_row:.1f} µs/row vs floor {floor_ms * 1000 / len(rows):.1f} µs/row",
            extra={"us_per_row": per_row},
        )

    def measure_f3(self, persona: Persona, url_name: str, query: dict, columns: list[str]):
        """F3: rendering a list's rows partial with the given columns."""
        from django.template.loader import render_to_string

        from crm.core.views import generic

        captured: dict = {}
        original = generic.render_page

        def spy(request, template, context, partial=None):
            captured.update(request=request, template=template, context=context, partial=partial)
            return original(request, template, context, partial)

        path = self.list_path(url_name, query) + "".join(f"&col={c}" for c in columns)
        generic.render_page = spy
        try:
            self.capture(persona.client, path, HTMX)
        finally:
            generic.render_page = original
        context, request = captured["context"], captured["request"]
        # A type's own template comes first, with core's as the fallback.
        template = captured["template"]
        names = [template] if isinstance(template, str) else list(template)
        names = [f"{name}#{captured['partial']}" for name in names]
        shown = len(context["query"].columns)
        ms = _bench_call(lambda: render_to_string(names, context, request=request), 100)
        try:
            import jinja2  # noqa: F401

            jinja = "installed but no Jinja2 twin of the partial yet"
        except ImportError:
            jinja = "jinja2 not installed: floor skipped"
        self.row(
            "F3",
            f"render the list partial: {len(context['rows'])} rows × {shown} columns",
            user=persona.label,
            p50_ms=ms,
            passed=ms <= 5,
            notes=jinja,
        )

    # -- export ---------------------------------------------------------------------
    def measure_i3(self, admin: Persona, type_key: str) -> None:
        """I3: a type's CSV export streamed over HTTP, against COPY TO of its SELECT."""
        from django.urls import reverse

        from crm.core import registry

        object_type = registry.get(type_key)
        path = f"{reverse(object_type.url_name('export'))}?format=csv"
        samples, lines = [], 0
        for _ in range(3):
            elapsed, status, body, _ = admin.http.get(path)
            if status != 200:
                raise RuntimeError(f"export answered {status}")
            samples.append(elapsed)
            lines = body.count(b"\n") - 1
        ms = statistics.median(samples)
        rows_per_s = lines / (ms / 1000)
        floor = self.copy_floor(admin, type_key)
        ratio = ms / floor if floor else None
        peak = self.export_memory(admin, path, lines)
        self.row(
            "I3",
            f"export {lines:,} {object_type.slug} to CSV, streamed over HTTP",
            user=admin.label,
            p50_ms=ms,
            rows_per_s=rows_per_s,
            floor_ms=floor,
            floor="COPY TO" if floor else "",
            ratio=ratio,
            passed=_ok(rows_per_s >= 1_000_000 / 15, ratio is None or ratio <= 7),
            notes="; ".join(
                n
                for n in (
                    f"peak Python memory {peak:.1f} MB while streaming" if peak else "",
                    "" if floor else "no COPY on SQLite: absolute only",
                )
                if n
            ),
            extra={"peak_mb": peak},
        )

    def copy_floor(self, admin: Persona, type_key: str) -> float | None:
        """COPY TO of the same columns and order as the export, on PostgreSQL."""
        from django.db import connection
        from django.http import QueryDict

        from crm.core import lists, registry

        if connection.vendor != "postgresql":
            return None
        object_type = registry.get(type_key)
        qs, query = lists.build(object_type, admin.user, QueryDict("format=csv"))
        sign = "-" if query.ordering.startswith("-") else ""
        field_name = query.ordering.lstrip("-")
        qs = qs.order_by(f"{sign}{field_name}", f"{sign}pk").values(
            *lists.value_fields(query.columns)
        )
        sql, params = qs.query.sql_with_params()
        import psycopg

        connection.ensure_connection()
        raw = connection.connection
        select = psycopg.ClientCursor(raw).mogrify(sql, params)
        samples = []
        for _ in range(3):
            started = time.perf_counter()
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy,
            ):
                for _block in copy:
                    pass
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    def export_memory(self, admin: Persona, path: str, lines: int) -> float | None:
        """Peak Python memory while streaming the export in-process (tracemalloc)."""
        import tracemalloc

        if lines > 200_000:
            return None
        tracemalloc.start()
        try:
            response = admin.client.get(path)
            for _chunk in response.streaming_content:
                pass
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()

    # -- import ---------------------------------------------------------------------
    def import_file(
        self, admin: Persona, type_key: str, path: Path, prefix: str
    ) -> tuple[float, dict, float]:
        """Import `path` as new records through the job, in this process: (seconds,
        summary, growth of the peak resident memory in MB). The rows (numbered `prefix`…)
        are removed after."""
        import resource

        from django.contrib.contenttypes.models import ContentType
        from django.core.files import File
        from django.db import connection

        from crm.core import jobs, registry
        from crm.core.imports import services as imports
        from crm.core.models import JobStatus, ObjectChange, SearchEntry

        object_type = registry.get(type_key)
        model = object_type.model
        with open(path, "rb") as handle:
            job = imports.upload(admin.user, object_type, File(handle, name=path.name))
        imports.configure(job, admin.user, job.params["columns"], "skip", "number")
        imports.start(job, admin.user)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        jobs.run(job.pk)
        seconds = time.perf_counter() - started
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
        job.refresh_from_db()
        if job.status != JobStatus.DONE:
            raise RuntimeError(f"import ended {job.status}: {job.message}")
        imported = model.all_objects.filter(number__startswith=prefix)
        content_type = ContentType.objects.get_for_model(model)
        SearchEntry.objects.filter(
            content_type=content_type, object_id__in=imported.values("pk")
        ).delete()
        ObjectChange.objects.filter(request_id=f"import:{job.pk}").delete()
        # Nothing refers to the new rows: one DELETE, not the ORM's collector over 1M objects.
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE number LIKE %s", [f"{prefix}%"])
        return seconds, job.summary, grown

    def measure_import(
        self, admin: Persona, op_id: str, type_key: str, write_file, prefix: str
    ) -> None:
        """I1 (CSV, with its COPY floor) or I2 (XLSX) of the same generated rows:
        `write_file(path, count)` writes them, numbered `prefix`…"""
        from crm.core import registry

        count = IMPORT_ROWS[self.db.scale]
        if op_id == "I2":
            count = min(count, XLSX_ROWS)
        suffix, what, target = {
            "I1": ("csv", "CSV import", 13_000),
            "I2": ("xlsx", "XLSX import", 10_000),
        }[op_id]
        path = VAR / f"import-{type_key}-{count}.{suffix}"
        if not path.exists():
            write_file(path, count)
        seconds, summary, grown = self.import_file(admin, type_key, path, prefix)
        rows_per_s = summary.get("created", 0) / seconds
        plural = registry.get(type_key).slug
        floor = self.copy_in_floor(path) if suffix == "csv" else None
        ratio = floor / seconds if floor else None  # the import's speed as a share of COPY's
        self.row(
            op_id,
            f"{what} of {count:,} new {plural} (validate, dedupe, pinyin, tokens, log)",
            user=admin.label,
            p50_ms=seconds * 1000,
            rows_per_s=rows_per_s,
            floor_ms=floor * 1000 if floor else None,
            floor="COPY FROM into a text staging table" if floor else "",
            ratio=ratio,
            passed=_ok(rows_per_s >= target, ratio is None or ratio >= 0.5),
            notes=f"summary {summary}; peak RSS grew {grown:.0f} MB",
            extra={"peak_growth_mb": grown},
        )

    def copy_in_floor(self, path: Path) -> float | None:
        """Seconds to COPY the same CSV into a staging table of text columns (PostgreSQL)."""
        from django.db import connection, transaction

        if connection.vendor != "postgresql":
            return None
        with open(path, encoding="utf-8-sig") as handle:
            width = len(handle.readline().split(","))
        columns = ", ".join(f"c{i} text" for i in range(width))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE import_floor ({columns}) ON COMMIT DROP")
            started = time.perf_counter()
            with (
                open(path, "rb") as handle,
                cursor.copy("COPY import_floor FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            return time.perf_counter() - started

    # -- writes ---------------------------------------------------------------------
    def measure_w1(self, persona: Persona, what: str, url_name: str, fields_for) -> None:
        """W1: a create form posted over HTTP with its CSRF token; `fields_for(n)` gives the
        n-th record's fields."""
        from django.urls import reverse

        create = reverse(url_name)
        _, status, body, response = persona.http.get(create)
        cookies = response.msg.get_all("Set-Cookie") or []
        csrf_cookie = next(
            (c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")),
            None,
        )
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not csrf_cookie or not match:
            raise RuntimeError("the create form gave no CSRF token")
        token = match.group(1).decode()
        headers = {
            "Cookie": f"{persona.http.headers['Cookie']}; csrftoken={csrf_cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        }

        def body_for(n: int) -> bytes:
            return urlencode({"csrfmiddlewaretoken": token, **fields_for(n)}).encode()

        timing = persona.http.time(
            "POST",
            create,
            repeat=max(20, self.repeat // 2),
            warmup=3,
            expect=(302,),
            body=body_for,
            headers=headers,
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = persona.client.post(create, fields_for(10_000))
        if response.status_code != 302:
            raise RuntimeError(f"in-process create answered {response.status_code}")
        self.dump(f"POST {create}", [q["sql"] for q in ctx.captured_queries])
        self.row(
            "W1",
            what,
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            queries=len(ctx.captured_queries),
            passed=_ok(timing.p50 <= 25, timing.p95 <= 60),
        )

    def measure_w2(self, persona: Persona, path: str, payload_for, model) -> None:
        """W2: creates through an API collection from 8 connections, against single-row
        INSERTs into the model's table; `payload_for(n)` gives the n-th record's body."""
        total = 400 if self.db.scale == "S" else 600
        headers = {"Authorization": f"Bearer {persona.token}", "Content-Type": "application/json"}

        def make(n: int):
            return "POST", path, headers, json.dumps(payload_for(n)).encode()

        load = run_load(
            self.server.port, make, clients=8, total=total, max_seconds=60, expect=(201,)
        )
        floor = insert_floor(self.db, model, clients=8, total=total)
        ratio = load.req_per_s / floor
        self.row(
            "W2",
            "API create, 8 concurrent clients, 2 workers",
            user=persona.label,
            p50_ms=load.p50,
            p95_ms=load.p95,
            req_per_s=load.req_per_s,
            floor="single-row INSERT req/s, 8 clients",
            ratio=ratio,
            passed=_ok(load.p95 <= 50, ratio >= 0.12, load.errors == 0),
            notes=f"{load.requests} creates, {load.errors} errors; INSERT floor {floor:,.0f}/s",
            extra={"floor_req_per_s": floor},
        )

    # -- all ------------------------------------------------------------------------
    def run(self) -> None:
        """Every row of the table, for each user it names; then the planned rows."""
        from django.apps import apps
        from django.urls import reverse

        from crm.core import registry

        primary = apps.get_model(contributions.bench_data()[0].model)
        personas = {
            "sales": self.persona(self.generated["sales_username"], "sales"),
            "sales-tail": self.persona(tail_owner(primary), "sales-tail"),
            "admin": self.persona(self.generated["admin_username"], "admin"),
        }
        sales = personas["sales"]
        # Both workers import, connect and render once before anything is timed.
        list_url = registry.for_model(primary).url_name("list")
        warm = ("GET", reverse(list_url), {"Cookie": sales.http.headers["Cookie"]}, None)
        run_load(self.server.port, lambda n: warm, clients=4, total=40, max_seconds=30)
        self.measure_http_floors([sales, personas["admin"], personas["sales-tail"]])
        table = operations()
        for operation in table:
            for label in operation.users:
                self.guarded(operation, personas[label])
        measured = {operation.id for operation in table}
        for op_id, what in PLANNED:
            if op_id not in measured and self.wanted(op_id):
                self.row(op_id, what, notes="skipped: its module does not exist yet")


def measure_hello(bench: Bench, persona: Persona) -> None:
    bench.measure_f1(persona)


def measure_sign_in(bench: Bench, persona: Persona) -> None:
    bench.measure_f4(persona)


def _cookie(response, name: str) -> str:
    """`name=value` of the cookie a response sets, or ""."""
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0]
    return ""


# The platform's own rows; each app adds its rows (`crm.core.contributions.BenchOperation`).
CORE_OPERATIONS = [
    BenchOperation("F1", "hello vs bare", "≥ 0.5× bare WSGI throughput", measure_hello),
    BenchOperation("F4", "sign-in to the workbench", "≤ 300 ms", measure_sign_in),
]
# BENCH.md's rows no app measures yet: reported as skipped.
PLANNED = [
    ("D2", "360 page of a customer with 50k activities"),
    ("R1", "sales funnel over opportunities"),
    ("R2", "forecast, team × month"),
    ("C1", "mixed load"),
]


def operations() -> list[BenchOperation]:
    """The bench's table: the platform's rows, then each app's."""
    return [*CORE_OPERATIONS, *contributions.bench_operations()]


def tail_owner(model) -> str:
    """The username of the salesperson who owns the fewest records of the first generated
    type (skew's other end)."""
    from django.db.models import Count

    row = (
        model.objects.filter(owner__is_superuser=False)
        .values("owner__username")
        .annotate(n=Count("id"))
        .order_by("n", "owner__username")
        .first()
    )
    return row["owner__username"]


def _bench_call(fn, repeat: int) -> float:
    for _ in range(5):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _api_page_adapter(object_type):
    """The TypeAdapter the generic API's list endpoint serializes with (its closure), or
    the same construction when the router's shape changed."""
    from pydantic import BaseModel, TypeAdapter

    from crm.core import api as core_api

    router = core_api.router_for(object_type)
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            func = operation.view_func
            values = [c.cell_contents for c in func.__closure__ or ()]
            cells = dict(zip(func.__code__.co_freevars, values, strict=False))
            if "page_adapter" in cells:
                return cells["page_adapter"]

    class PageOut(BaseModel):
        items: list[object_type.schema_out]  # type: ignore[name-defined]
        next_cursor: str | None

    return TypeAdapter(PageOut)


def insert_floor(db: Database, model, *, clients: int, total: int) -> float:
    """Single-row INSERTs into the model's table from `clients` connections: rows/s."""
    from django.db import connection

    template = model.all_objects.filter(pk=4).values().first()
    template.pop("id")
    template["number"] = ""
    names = list(template)
    table = model._meta.db_table
    cols = ", ".join(f'"{n}"' for n in names)
    if connection.vendor == "postgresql":
        import psycopg
        from psycopg.types.json import Jsonb

        values = [Jsonb(v) if isinstance(v, dict) else v for v in template.values()]
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join(["%s"] * len(names))})'

        def connect():
            return psycopg.connect(db.url, autocommit=True)
    else:
        import sqlite3

        from bench.generate import _sqlite_value

        values = [_sqlite_value(v) for v in template.values()]
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join(["?"] * len(names))})'

        def connect():
            conn = sqlite3.connect(db.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn

    name_index = names.index("name")
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        conn = connect()
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                row = list(values)
                row[name_index] = f"INSERT floor {n}"
                conn.execute(sql, row)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    model.all_objects.filter(name__startswith="INSERT floor ").delete()
    return total / seconds


# ---------------------------------------------------------------------------- report


def markdown(rows: list[Row]) -> str:
    def fmt(value: float | None, digits: int = 1) -> str:
        return "" if value is None else f"{value:,.{digits}f}"

    lines = [
        "| id | operation | user | p50 ms | p95 ms | throughput | queries | floor ms "
        "| ratio | target | pass |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        throughput = (
            f"{r.rows_per_s:,.0f} rows/s"
            if r.rows_per_s
            else f"{r.req_per_s:,.0f} req/s"
            if r.req_per_s
            else ""
        )
        floor = f"{fmt(r.floor_ms, 2)} ({r.floor})" if r.floor_ms is not None else r.floor
        verdict = {True: "✅", False: "❌", None: "—"}[r.passed]
        operation = r.operation + (f" — {r.notes}" if r.notes else "")
        lines.append(
            f"| {r.id} | {operation} | {r.user} | {fmt(r.p50_ms, 2)} | {fmt(r.p95_ms, 2)} "
            f"| {throughput} | {'' if r.queries is None else r.queries} | {floor} "
            f"| {fmt(r.ratio, 2)} | {r.target} | {verdict} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["S", "M", "L"], default="S")
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a kept database of the same scale"
    )
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. L1,S2")
    parser.add_argument("--repeat", type=int, default=60, help="timed requests per operation")
    args = parser.parse_args(argv)
    if args.backend == "sqlite" and args.scale == "L":
        parser.error("SQLite runs scales S and M")

    started = time.perf_counter()
    VAR.mkdir(parents=True, exist_ok=True)
    db = Database.for_run(args.backend, args.scale)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "CRM_DATABASE_URL": db.url,
            "CRM_VAR_DIR": str(VAR),
            "CRM_LOG_LEVEL": "WARNING",
            "CRM_DEBUG": "0",
            "CRM_TESTING": "0",
        }
    )
    os.environ.pop("CRM_REDIS_URL", None)  # background jobs go to a SQLite file under VAR
    reuse = False
    if args.reuse and db.marker.exists():
        meta = json.loads(db.marker.read_text())
        reuse = meta.get("scale") == args.scale and meta.get("url") == db.url
    if not reuse:
        db.marker.unlink(missing_ok=True)
        db.create()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench.generate import generate

    if reuse:
        generated = json.loads(db.marker.read_text())
        log(f"reusing the {args.scale} database ({db.name})")
    else:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        log(f"migrated in {time.perf_counter() - t0:.1f} s")
        result = generate(args.scale)
        generated = {
            "scale": args.scale,
            "url": db.url,
            "counts": result.counts,
            "skipped": result.skipped,
            "seconds": result.seconds,
            "sales_username": result.sales_username,
            "admin_username": result.admin_username,
        }
    connections.close_all()

    bench: Bench | None = None
    try:
        with Server(dict(os.environ)) as server:
            log(f"gunicorn on 127.0.0.1:{server.port}, 2 workers")
            bench = Bench(db, server, args, generated)
            bench.run()
    finally:
        connections.close_all()
        if args.keep:
            db.marker.write_text(json.dumps(generated, ensure_ascii=False))
        else:
            db.drop()
            shutil.rmtree(VAR / "media", ignore_errors=True)

    elapsed = time.perf_counter() - started
    rows = bench.rows if bench else []
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{args.scale}-{args.backend}-{stamp}.json"
    out.write_text(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
    counts = ", ".join(f"{v:,} {k}" for k, v in generated["counts"].items())
    skipped = ", ".join(f"{k} ({v})" for k, v in generated["skipped"].items())
    print(f"\n## Bench: scale {args.scale}, {args.backend}\n")
    print(f"Data: {counts}. Skipped types: {skipped or 'none'}.\n")
    print(markdown(rows))
    missed = [f"{r.id} ({r.user})" if r.user else r.id for r in rows if r.passed is False]
    print(f"\n{len(rows)} rows, {len(missed)} missed: {', '.join(missed) or 'none'}.")
    print(f"JSON: {out.relative_to(ROOT)}. Total time {elapsed / 60:.1f} min.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

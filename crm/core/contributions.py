"""What an app contributes besides its types: demo steps, bench data and bench operations,
the permission matrix's record factories and defaults of the preset roles for its types.

An app registers them in `AppConfig.ready()` (customers: `crm/customers/contrib.py`); the
drivers (`crm demo`, `bench/`, the matrix test, the organisation app) read them from here,
so adding a type touches no central file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    """What every demo step gets: the administrator, the demo logins by username, and a
    counter of what was created (`created("customers")`)."""

    admin: Any
    users: dict[str, Any]
    created: Callable[..., None]


@dataclass(frozen=True)
class DemoStep:
    """Part of the demo company, run in `order` after the organisation exists; it creates
    only what is missing, so a second run adds nothing."""

    name: str
    run: Callable[[DemoContext], None]
    order: int = 100


@dataclass(frozen=True)
class BenchData:
    """Generated bench rows of one type, written straight into its table.

    `count` maps a scale ("S", "M", "L") to a row count; `rows(ctx)` yields row dicts with
    ids from 1; `keep` names the columns types generated later read back
    (`ctx.loaded[key][id]`); `setup(ctx)` writes the type's configuration through the ORM
    first (custom fields, numbering); `finish(ctx)` writes rows that follow the load and
    answers their counts.
    """

    key: str
    model: str  # "app_label.ModelName"
    count: dict[str, int]
    rows: Callable[[Any], Iterator[dict]]
    keep: tuple[str, ...] = ()
    setup: Callable[[Any], None] | None = None
    finish: Callable[[Any], dict[str, int]] | None = None
    order: int = 100


@dataclass(frozen=True)
class BenchOperation:
    """One row of the bench's table: `run(bench, persona)` measures the operation `id`
    (BENCH.md's numbering: "L1", "S2" …) once for each of `users` ("sales",
    "sales-tail", "admin") and adds its rows to the bench."""

    id: str
    title: str
    target: str
    run: Callable[[Any, Any], None]
    users: tuple[str, ...] = ("sales",)

    @property
    def app(self) -> str:
        return _app_of(self.run)


@dataclass(frozen=True)
class MatrixFactory:
    """How the permission matrix makes a saved record of a type: `make(owner, parent)`;
    `parent_type` for a type whose access follows another record (a contact's customer)."""

    type_key: str
    make: Callable[[Any, Any], Any]
    parent_type: str = ""


@dataclass(frozen=True)
class PresetDefault:
    """A preset role's setting for one type: what the role's "*" row grants plus `adds`
    (an action of the type's own, such as "reopen"), or only `actions` when given (a
    catalogue most roles read but do not change), with the "*" row's scopes unless given.
    Written once; an administrator's later change is kept."""

    role: str
    type_key: str
    adds: tuple[str, ...] = ()
    actions: tuple[str, ...] | None = None
    view_scope: str = ""
    edit_scope: str = ""


@dataclass
class _Stores:
    demo: list[DemoStep] = field(default_factory=list)
    bench_data: list[BenchData] = field(default_factory=list)
    bench_operations: list[BenchOperation] = field(default_factory=list)
    matrix: dict[str, MatrixFactory] = field(default_factory=dict)
    presets: list[PresetDefault] = field(default_factory=list)


_stores = _Stores()


def add_demo_step(step: DemoStep) -> None:
    _stores.demo.append(step)


def add_bench_data(data: BenchData) -> None:
    _stores.bench_data.append(data)


def add_bench_operations(*operations: BenchOperation) -> None:
    _stores.bench_operations.extend(operations)


def add_matrix_factory(factory: MatrixFactory) -> None:
    _stores.matrix[factory.type_key] = factory


def add_preset_default(*defaults: PresetDefault) -> None:
    _stores.presets.extend(defaults)


def demo_steps() -> list[DemoStep]:
    return sorted(_stores.demo, key=lambda s: s.order)


def bench_data() -> list[BenchData]:
    return sorted(_stores.bench_data, key=lambda d: d.order)


def bench_operations() -> list[BenchOperation]:
    return list(_stores.bench_operations)


def matrix_factories() -> dict[str, MatrixFactory]:
    """Factories by type key, the types a parent's access is followed from first."""
    factories = _stores.matrix.values()
    return {f.type_key: f for f in sorted(factories, key=lambda f: bool(f.parent_type))}


def preset_defaults() -> list[PresetDefault]:
    return list(_stores.presets)


def _app_of(function: Callable) -> str:
    from django.apps import apps

    config = apps.get_containing_app_config(function.__module__)
    return config.label if config else function.__module__

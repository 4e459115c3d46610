"""What apps contribute reaches its drivers: the bench's table, the demo, the matrix."""

from bench import run
from crm.core import contributions, registry


def test_the_bench_table_holds_every_row_each_app_registered():
    table = run.operations()
    by_app: dict[str, list] = {}
    for operation in contributions.bench_operations():
        by_app.setdefault(operation.app, []).append(operation)
    assert "customers" in by_app
    for app, operations in by_app.items():
        assert all(o in table for o in operations), app
    customers = {o.id for o in by_app["customers"]}
    assert {"L1", "L2", "L3", "L4", "S1", "S2", "S3", "S4", "D1", "I1", "W1", "W2"} <= customers
    assert all(u in ("sales", "sales-tail", "admin") for o in table for u in o.users)


def test_a_row_an_app_adds_is_measured_by_the_runner(monkeypatch):
    def measure(bench, persona):
        measured.append((bench, persona))

    measured: list = []
    added = contributions.BenchOperation("X9", "a new type's list", "20/60 ms", measure)
    rows = [*contributions.bench_operations(), added]
    monkeypatch.setattr(contributions._stores, "bench_operations", rows)
    assert added in run.operations()

    class Persona:
        label = "sales"

    persona = Persona()
    bench = run.Bench.__new__(run.Bench)  # no database, no server: only the loop's step
    bench.only, bench.operation, bench.rows = {"L1"}, None, []
    bench.guarded(added, persona)  # --only L1 leaves it out
    assert measured == []
    bench.only = {"X9"}
    bench.guarded(added, persona)
    assert measured == [(bench, persona)]
    assert bench.rows == [] and bench.operation is None


def test_every_registered_type_has_its_matrix_factory_and_parents_come_first():
    factories = contributions.matrix_factories()
    assert set(factories) == {t.key for t in registry.all_types()}
    keys = list(factories)
    for key, factory in factories.items():
        if factory.parent_type:
            assert keys.index(factory.parent_type) < keys.index(key)


def test_demo_steps_run_in_their_order():
    steps = contributions.demo_steps()
    assert [s.name for s in steps][:1] == ["customers"]
    assert [s.order for s in steps] == sorted(s.order for s in steps)

"""Every registered type is complete and carries the generic battery."""

import importlib
import pkgutil

import crm
from crm.core import registry
from crm.core.testing.battery import RecordTypeBattery
from crm.core.testing.lines_battery import LineItemsBattery


def _load_test_modules() -> None:
    for module in pkgutil.walk_packages(crm.__path__, "crm."):
        if ".tests." in module.name and module.name.rsplit(".", 1)[-1].startswith("test_"):
            importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_registered_type_has_its_parts_and_the_battery():
    _load_test_modules()
    covered = {sub.type_key for sub in _subclasses(RecordTypeBattery)}
    with_lines = {sub.type_key for sub in _subclasses(LineItemsBattery)}
    for object_type in registry.all_types():
        assert object_type.form and object_type.filterset, object_type.key
        assert object_type.columns and object_type.default_columns, object_type.key
        assert object_type.schema_in and object_type.schema_out, object_type.key
        assert object_type.key in covered, f"{object_type.key} has no RecordTypeBattery tests"
        if object_type.lines:
            assert object_type.key in with_lines, f"{object_type.key} has no LineItemsBattery"

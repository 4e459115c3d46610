"""API schemas made from a type's model: what a client sends to create a record (In) or
change one (Patch), and what it reads back (Out), with the record's lines when it has some.

A field's schema follows its model field: text keeps its length (at least one character
when it may not be blank), choices become their values ("" too when blank), a currency one
of the codes the CRM knows, a foreign key its id, a decimal its digits, dates, times,
yes/no and numbers their type; a field that may be null takes None. A field is required in
In when the model has no default for it and it may not be blank; Patch takes every field
as optional, with the version read. Read-only fields (not editable, computed, a status) are
answered, never taken.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.core import validators
from django.db import models
from pydantic import BaseModel, Field, create_model

from crm.core import money

Definition = tuple[Any, Any]  # (annotation, pydantic Field), as create_model takes them


class RecordOut(BaseModel):
    """What every record carries in the API (DESIGN's public contract)."""

    id: int
    number: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    owner: int
    custom_fields: dict[str, Any]


# The record's own fields: RecordOut answers them, and a client sets only the number, once.
RECORD_FIELDS = frozenset(RecordOut.model_fields) | {"custom_field_data"}

# Model field classes and their Python types, the more specific first.
PYTHON_TYPES: tuple[tuple[type[models.Field[Any, Any]], type], ...] = (
    (models.BooleanField, bool),
    (models.DecimalField, decimal.Decimal),
    (models.DateTimeField, datetime.datetime),
    (models.DateField, datetime.date),
    (models.TimeField, datetime.time),
    (models.FloatField, float),
    (models.IntegerField, int),
    (models.CharField, str),
    (models.TextField, str),
)


@dataclass(frozen=True)
class Schemas:
    """A type's API shapes."""

    schema_in: type[BaseModel]
    schema_patch: type[BaseModel]
    schema_out: type[BaseModel]


def generate(
    model: type[models.Model],
    fields: Sequence[str],
    *,
    read_only: Collection[str] = (),
    line_model: type[models.Model] | None = None,
    line_parent: str = "",
    line_fields: Sequence[str] = (),
) -> Schemas:
    """`<Model>In`, `<Model>Patch` and `<Model>Out` over `fields` (in that order); those in
    `read_only` or not editable only in Out. With a `line_model`, In and Patch take
    `lines` (the `line_fields` of each) and Out answers them (with id, position and the
    line's computed fields)."""
    name = model.__name__
    answered = [_field(model, n) for n in fields if n not in RECORD_FIELDS]
    taken = [f for f in answered if f.editable and f.name not in read_only]
    number = _definition(_field(model, "number"))
    custom: Definition = (dict[str, Any], Field(default_factory=dict))
    lines_in: dict[str, Definition] = {}
    lines_out: dict[str, Definition] = {}
    if line_model is not None:
        line_in, line_out = _line_schemas(name, line_model, line_parent, line_fields)
        lines_in["lines"] = (list[line_in] | None, Field(None))  # type: ignore[valid-type]
        lines_out["lines"] = (list[line_out], Field())  # type: ignore[valid-type]
    schema_in = create_model(  # type: ignore[call-overload]
        f"{name}In",
        **{f.name: _definition(f) for f in taken},
        number=number,
        custom_fields=custom,
        **lines_in,
    )
    schema_patch = create_model(  # type: ignore[call-overload]
        f"{name}Patch",
        version=(int | None, Field(None)),
        **{f.name: _definition(f, optional=True) for f in taken},
        custom_fields=(dict[str, Any] | None, Field(None)),
        **lines_in,
    )
    schema_out = create_model(  # type: ignore[call-overload]
        f"{name}Out",
        __base__=RecordOut,
        **{f.name: _definition(f) for f in answered},
        custom_fields=custom,
        **lines_out,
    )
    return Schemas(schema_in, schema_patch, schema_out)


def _line_schemas(
    name: str, line_model: type[models.Model], parent: str, fields: Sequence[str]
) -> tuple[type[BaseModel], type[BaseModel]]:
    """`<Model>LineIn` (the fields a user types on a line, and the id of a line kept) and
    `<Model>LineOut` (those, the line's id and position, and what is worked out on it,
    such as its amount)."""
    typed = {n: _definition(_field(line_model, n)) for n in fields}
    computed = {
        f.name: _definition(f)
        for f in line_model._meta.concrete_fields
        if not f.editable and f.name not in fields and f.name != parent
    }
    kept = Field(
        None,
        description="The id of one of the document's lines: that line is updated, and what "
        "refers to it stays. Left out, the line is new.",
    )
    line_in = create_model(  # type: ignore[call-overload]
        f"{name}LineIn", id=(int | None, kept), **typed
    )
    line_out = create_model(  # type: ignore[call-overload]
        f"{name}LineOut",
        id=(int, Field()),
        position=(int, Field()),
        **typed,
        **computed,
    )
    return line_in, line_out


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a field of its own")
    return field


def _definition(field: models.Field[Any, Any], *, optional: bool = False) -> Definition:
    """The annotation and pydantic Field of one model field, as In takes it (`optional`:
    as Patch does, where it may be left out)."""
    annotation = _annotation(field)
    if field.null or optional:
        annotation = annotation | None
    default = {"default": None} if optional else _default(field)
    return annotation, Field(**default, **_constraints(field))


def _annotation(field: models.Field[Any, Any]) -> Any:
    if field.choices:
        values = [_plain(value) for value, _label in field.flatchoices]
        if field.blank and "" not in values and _is_text(field):
            values.insert(0, "")
        return Literal[tuple(values)]
    if isinstance(field, models.ForeignKey):
        return int
    if isinstance(field, money.CurrencyField):
        return Literal[tuple(money.CURRENCIES)]
    for model_field, python_type in PYTHON_TYPES:
        if isinstance(field, model_field):
            return python_type
    raise TypeError(f"No API type for {field.model.__name__}.{field.name} ({type(field)})")


def _default(field: models.Field[Any, Any]) -> dict[str, Any]:
    """The default a client may leave a field to: the model's, else empty when it may be
    blank; nothing (required) otherwise."""
    if field.has_default():
        if callable(field.default):
            make: Callable[[], Any] = field.get_default
            return {"default_factory": lambda: _plain(field.to_python(make()))}
        return {"default": _plain(field.to_python(field.default))}
    if field.null:
        return {"default": None}
    if field.blank and _is_text(field):
        return {"default": ""}
    return {}


def _constraints(field: models.Field[Any, Any]) -> dict[str, Any]:
    """Length, digits and bounds the model field declares."""
    found: dict[str, Any] = {}
    if _annotation(field) is str:
        if field.max_length:
            found["max_length"] = field.max_length
        if not field.blank:
            found["min_length"] = 1
    if isinstance(field, models.DecimalField):
        found.update(max_digits=field.max_digits, decimal_places=field.decimal_places)
    if isinstance(field, models.PositiveIntegerField | models.PositiveSmallIntegerField):
        found["ge"] = 0
    # Only the validators declared on the field: `validators` adds the database's integer
    # range, and the schema is the same on every database.
    for validator in vars(field).get("_validators", ()):
        if isinstance(validator, validators.MinValueValidator) and not callable(
            validator.limit_value
        ):
            found["ge"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator) and not callable(
            validator.limit_value
        ):
            found["le"] = validator.limit_value
    return found


def _is_text(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, models.CharField | models.TextField)


def _plain(value: Any) -> Any:
    """A choice's value as JSON carries it (an enum member becomes its value)."""
    return value.value if isinstance(value, enum.Enum) else value

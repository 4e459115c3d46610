"""Line items: the child rows of a business document (a quote's products, an order's
lines, an expense claim's items).

A line has no owner of its own: who sees or changes the document sees or changes its
lines. Lines are written only with their document (`services.save(obj, lines=[...])`
replaces the set: a line sent with the id of a stored one keeps its row, so what refers
to it stays), which bumps the document's version and writes one change-log row with the
lines' diff; the document's computed fields (totals) are worked out from them.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import binding, registry
from crm.core.changes import plain
from crm.core.errors import ValidationFailed, referring_kinds
from crm.core.registry import LineSpec, ObjectType


class Line(models.Model):
    """The base of a document's lines: the subclass adds the foreign key to its document
    (named in the type's `LineSpec`) and its own fields."""

    position = models.PositiveIntegerField(gettext_lazy("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


def spec_of(model: type[models.Model]) -> LineSpec | None:
    object_type = registry.for_model(model)
    return object_type.lines if object_type else None


def shown_fields(spec: LineSpec) -> tuple[str, ...]:
    """The typed fields, then those the document works out (a line's amount)."""
    derived = [
        f.name
        for f in spec.model._meta.concrete_fields
        if not f.editable and not f.primary_key and f.name != spec.parent
    ]
    return (*spec.fields, *derived)


def stored(spec: LineSpec, parent_pk: int | None) -> list[models.Model]:
    """The stored lines of one document, in order."""
    if parent_pk is None:
        return []
    return list(spec.model._default_manager.filter(**{f"{spec.parent}_id": parent_pk}))


def read(object_type: ObjectType, parent_pk: int) -> list[dict[str, Any]]:
    """The lines of one document as the API gives them: id, position and their fields."""
    spec = object_type.lines
    assert spec is not None  # called only for types with lines
    names = ("id", "position", *shown_fields(spec))
    rows = spec.model._default_manager.filter(**{f"{spec.parent}_id": parent_pk})
    return list(rows.values(*names))


def build(
    spec: LineSpec,
    parent: models.Model,
    data: list[dict[str, Any]],
    actor: Any = None,
    stored: list[models.Model] | None = None,
) -> list[models.Model]:
    """Lines of `parent` from typed values, positioned in the order given; one given the
    `id` of a `stored` line is that line (its row is updated), the others are new. A link
    (a line's product) given as an id must name a record `actor` may see and choose, or
    one a `stored` line holds (a product deactivated since stays on the document).

    Raises ValidationFailed naming `lines.<i>.<field>` for a field a line does not take,
    a link it may not point at and an id that is not one of the stored lines (or is given
    twice)."""
    errors: dict[str, list[str]] = {}
    lines = []
    ids: dict[str, dict[int, Any]] = {name: {} for name in _links(spec)}
    rows = {line.pk: line for line in stored or ()}
    for index, values in enumerate(data):
        line = spec.model(position=index)
        setattr(line, spec.parent, parent)
        kept = values.get("id")
        if kept not in (None, ""):
            if str(kept).isdigit() and int(kept) in rows:
                line.pk = rows.pop(int(kept)).pk
            else:
                errors[f"lines.{index}.id"] = [_("This is not one of the document's lines.")]
        for name, value in values.items():
            if name in ("id", "position"):
                continue  # the order given is the order kept
            if name not in spec.fields:
                errors[f"lines.{index}.{name}"] = [_("A line does not take this field.")]
                continue
            if name in ids and value is not None and not isinstance(value, models.Model):
                ids[name][index] = int(value) if str(value).isdigit() else 0
                continue
            setattr(line, name, value)
        lines.append(line)
    for name, wanted in ids.items():
        found = _linked(spec, name, set(wanted.values()), actor, stored or [])
        for index, pk in wanted.items():
            if pk in found:
                setattr(lines[index], name, found[pk])
            else:
                errors[f"lines.{index}.{name}"] = [_("Choose an existing record you may see.")]
    if errors:
        raise ValidationFailed(errors)
    return lines


def _links(spec: LineSpec) -> list[str]:
    """The typed fields of a line that point at another record."""
    return [n for n in spec.fields if isinstance(spec.model._meta.get_field(n), models.ForeignKey)]


def _linked(
    spec: LineSpec, name: str, pks: set[int], actor: Any, stored: list[models.Model]
) -> dict[int, models.Model]:
    """The records of `pks` the lines may point `name` at, by id, in one or two queries."""
    field = cast("models.ForeignKey[Any, Any]", spec.model._meta.get_field(name))
    related = cast("type[models.Model]", field.related_model)
    held = {getattr(line, field.attname) for line in stored} & pks
    choices = related._default_manager.complex_filter(field.get_limit_choices_to())
    chosen = binding.targets(choices, actor) if actor is not None else choices
    rows = list(chosen.filter(pk__in=pks - held))
    if held:
        rows += list(related._base_manager.filter(pk__in=held))
    return {row.pk: row for row in rows}


def errors(spec: LineSpec, lines: list[models.Model]) -> dict[str, list[str]]:
    """Each line's field rules, as `lines.<i>.<field>` (its links were checked when the
    lines were built)."""
    found: dict[str, list[str]] = {}
    links = [
        cast("models.ForeignKey[Any, Any]", spec.model._meta.get_field(n)) for n in _links(spec)
    ]
    exclude = [spec.parent, *(link.name for link in links)]
    for index, line in enumerate(lines):
        for link in links:
            if not link.blank and getattr(line, link.attname) is None:
                found[f"lines.{index}.{link.name}"] = [_("This field is required.")]
        try:
            line.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = f"lines.{index}" if name == NON_FIELD_ERRORS else f"lines.{index}.{name}"
                found.setdefault(key, []).extend(messages)
    if not found and spec.check is not None:
        found = spec.check(lines)
    return found


def preview(
    object_type: ObjectType, obj: models.Model, data: list[dict[str, Any]]
) -> tuple[list[models.Model], models.Model]:
    """The lines and the record with what the type works out from them (amounts, totals),
    nothing written: for live totals while a form is typed in."""
    spec = object_type.lines
    assert spec is not None  # called only for types with lines
    lines = build(spec, obj, [{k: v for k, v in row.items() if k != "id"} for row in data])
    if object_type.compute:
        object_type.compute(obj, lines)
    return lines, obj


def diff_rows(spec: LineSpec, lines: list[models.Model]) -> list[dict[str, Any]]:
    """Lines as the change log keeps them: their shown fields, JSON-friendly."""
    # A line's own columns, never a relation's reverse side.
    names = shown_fields(spec)
    fields = [cast("models.Field[Any, Any]", spec.model._meta.get_field(n)) for n in names]
    return [{f.name: plain(f, getattr(line, f.attname)) for f in fields} for line in lines]


def replace(spec: LineSpec, parent: models.Model, lines: list[models.Model]) -> None:
    """Store `lines` as the whole set of `parent`'s lines: those with the id of a stored
    line update its row, the rest are added, and stored lines not among them are deleted.
    Raises ValidationFailed when other records refer to a line that would be deleted
    (deliveries planned on a contract's line)."""
    kept = [line for line in lines if line.pk is not None]
    stored = spec.model._default_manager.filter(**{f"{spec.parent}_id": parent.pk})
    try:
        with transaction.atomic():
            stored.exclude(pk__in=[line.pk for line in kept]).delete()
    except (ProtectedError, RestrictedError) as error:
        message = _("%(records)s refer to these lines: remove them before changing the lines.")
        records = capfirst(referring_kinds(error))
        raise ValidationFailed({"lines": [message % {"records": records}]}) from error
    for line in lines:
        setattr(line, spec.parent, parent)
    if kept:
        names = ["position", *shown_fields(spec)]
        spec.model._default_manager.bulk_update(kept, names)
    spec.model._default_manager.bulk_create([line for line in lines if line.pk is None])

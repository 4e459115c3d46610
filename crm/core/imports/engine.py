"""The import engine: rows in, records out, in batches, with the write path's rules.

Each row is converted (fields.py), matched against existing records by the chosen key,
checked with the model's field rules and the custom-field rules (as forms and services
check them), and with the importer's permissions and scopes. A batch is then written in
bulk: numbers taken at once, records inserted or updated, one change-log row and one search
entry per record. A row that breaks a rule is reported with its row number, never written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import access, masking, registry, search
from crm.core.imports.fields import Schema, Target
from crm.core.models import ChangeAction, ObjectChange
from crm.core.services import diff, fill_mnemonic, snapshot

SKIP, UPDATE, CREATE = "skip", "update", "create"
POLICIES = (SKIP, UPDATE, CREATE)
CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
)
OUTCOMES = (CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)
ROW = -1  # errors of the whole row rather than one cell


@dataclass
class Options:
    """How to read the file: the field each column fills, the duplicate policy and key."""

    columns: list[str]
    on_duplicate: str = SKIP
    match: str = ""  # key fields joined by "+": "number", "name+phone"

    @property
    def match_fields(self) -> tuple[str, ...]:
        return tuple(self.match.split("+")) if self.match else ()


@dataclass
class Outcome:
    """What became of one row; `errors` are by column index (ROW for the whole row)."""

    row: int
    cells: list[str]
    action: str = ""
    errors: dict[int, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    obj: Any = None
    before: dict[str, Any] = field(default_factory=dict)

    def fail(self, column: int, message: str) -> None:
        self.errors.setdefault(column, []).append(str(message))

    def message(self, headers: list[str]) -> str:
        parts = []
        for column, messages in sorted(self.errors.items()):
            prefix = "" if column == ROW else f"{headers[column]}: "
            parts.extend(prefix + m for m in messages)
        return "; ".join(parts)


def match_choices(object_type: registry.ObjectType, columns: list[str]) -> list[tuple[str, str]]:
    """The match keys whose fields all have a column: (value, label)."""
    model = object_type.model
    out = []
    for fields in object_type.match_keys:
        if all(f in columns for f in fields):
            label = " + ".join(str(model._meta.get_field(f).verbose_name) for f in fields)
            out.append(("+".join(fields), label))
    return out


class Importer:
    """Imports batches of rows of one file into one type, as one user."""

    def __init__(
        self,
        object_type: registry.ObjectType,
        user,
        headers: list[str],
        options: Options,
        *,
        tag: str = "",
    ):
        self.object_type = object_type
        self.model = object_type.model
        self.user = user
        self.headers = headers
        self.options = options
        self.tag = tag  # the change log's request id for this import
        self.schema = Schema(object_type)
        self.mapped: list[tuple[int, Target]] = [
            (i, self.schema.targets[key])
            for i, key in enumerate(options.columns)
            if key and key in self.schema.targets
        ]
        self.column_of = {t.key: i for i, t in self.mapped}
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.owners = access.owners_within(user, self.model, "view")
        self.may_create = access.can(user, "create", self.model)
        self.foreign_keys = [
            f.name for f in self.model._meta.concrete_fields if isinstance(f, models.ForeignKey)
        ]
        self.keys = options.match_fields if options.on_duplicate != CREATE else ()

    # ------------------------------------------------------------------ one batch

    def batch(self, rows: Iterable[tuple[int, list[str]]], *, write: bool = True) -> list[Outcome]:
        """Take rows ((row number, cells)); write them unless `write` is false (preview)."""
        outcomes = [self._convert(number, cells) for number, cells in rows]
        self._resolve_references(outcomes)
        existing = self._existing(outcomes)
        taken_numbers = self._taken_numbers(outcomes)
        editable = self._editable(existing)
        touched = self._touched_by_this_import(existing)
        in_batch: dict[tuple, int] = {}
        for outcome in outcomes:
            if not outcome.errors:
                self._decide(outcome, existing, taken_numbers, editable, touched, in_batch)
            if outcome.errors:
                outcome.action = FAILED
        if write:
            self._write(outcomes)
        return outcomes

    def _convert(self, number: int, cells: list[str]) -> Outcome:
        outcome = Outcome(number, cells)
        for column, target in self.mapped:
            text = cells[column]
            if not text or (target.key in self.object_type.masked and masking.MASK in text):
                continue  # blank, or a masked number echoed back: keep what is stored
            if target.reference is not None:
                outcome.values[target.key] = text
                continue
            try:
                outcome.values[target.key] = target.convert(text)
            except ValidationError as exc:
                for message in exc.messages:
                    outcome.fail(column, message)
        return outcome

    def _resolve_references(self, outcomes: list[Outcome]) -> None:
        """Records named by number or name (a contact's customer), among those visible."""
        for column, target in self.mapped:
            if target.reference is None:
                continue
            texts = {o.values[target.key] for o in outcomes if target.key in o.values}
            if not texts:
                continue
            related = target.reference
            title = registry.for_model(related).search.title
            found = related.objects.visible_to(self.user).filter(
                models.Q(number__in=texts) | models.Q(**{f"{title}__in": texts})
            )
            by_number: dict[str, Any] = {}
            by_name: dict[str, list[Any]] = defaultdict(list)
            for pk, number, name in found.values_list("pk", "number", title):
                instance = related(pk=pk, number=number, **{title: name})
                by_number[number] = instance
                by_name[name].append(instance)
            what = str(related._meta.verbose_name)
            for outcome in outcomes:
                text = outcome.values.get(target.key)
                if text is None:
                    continue
                if text in by_number:
                    outcome.values[target.key] = by_number[text]
                elif len(by_name.get(text, ())) == 1:
                    outcome.values[target.key] = by_name[text][0]
                else:
                    del outcome.values[target.key]
                    if by_name.get(text):
                        message = _("Several %(what)s are named “%(name)s”; use the number.")
                    else:
                        message = _("There is no %(what)s “%(name)s” that you can see.")
                    outcome.fail(column, message % {"what": what, "name": text})

    def _key(self, outcome: Outcome) -> tuple | None:
        if not self.keys or outcome.errors:
            return None
        parts = tuple(outcome.values.get(f) for f in self.keys)
        return parts if all(p not in (None, "") for p in parts) else None

    def _existing(self, outcomes: list[Outcome]) -> dict[tuple, list]:
        """Existing records (the recycle bin's too) by match key."""
        keys = {k for o in outcomes if (k := self._key(o)) is not None}
        if not keys:
            return {}
        first = self.keys[0]
        found: dict[tuple, list] = defaultdict(list)
        candidates = self.model.all_objects.filter(**{f"{first}__in": {k[0] for k in keys}})
        for obj in candidates:
            key = tuple(getattr(obj, f) for f in self.keys)
            if key in keys:
                found[key].append(obj)
        return found

    def _taken_numbers(self, outcomes: list[Outcome]) -> set[str]:
        numbers = {o.values["number"] for o in outcomes if o.values.get("number")}
        if not numbers:
            return set()
        return set(
            self.model.all_objects.filter(number__in=numbers).values_list("number", flat=True)
        )

    def _editable(self, existing: dict[tuple, list]) -> set[int]:
        ids = {obj.pk for objs in existing.values() for obj in objs}
        if not ids or self.options.on_duplicate != UPDATE:
            return set()
        return set(
            self.model.objects.editable_by(self.user)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )

    def _touched_by_this_import(self, existing: dict[tuple, list]) -> set[int]:
        """Existing records an earlier batch of this import wrote (its in-file duplicates)."""
        ids = {obj.pk for objs in existing.values() for obj in objs}
        if not ids or not self.tag:
            return set()
        return set(
            ObjectChange.objects.filter(
                content_type=self.content_type, object_id__in=ids, request_id=self.tag
            ).values_list("object_id", flat=True)
        )

    def _decide(self, outcome, existing, taken_numbers, editable, touched, in_batch) -> None:
        key = self._key(outcome)
        if key is not None:
            if key in in_batch:
                outcome.fail(
                    ROW, _("Row %(row)d of the file is the same record.") % {"row": in_batch[key]}
                )
                return
            in_batch[key] = outcome.row
        matches = existing.get(key, []) if key is not None else []
        live = [m for m in matches if m.deleted_at is None]
        if len(live) > 1:
            outcome.fail(
                ROW,
                _("%(n)d existing records match this row; it is not clear which to update.")
                % {"n": len(live)},
            )
            return
        if live and live[0].pk in touched:
            outcome.fail(ROW, _("An earlier row of the file is the same record."))
            return
        if not live and matches and "number" in self.keys:
            outcome.fail(
                self.column_of["number"],
                _("The record with this number is in the recycle bin; restore it first."),
            )
            return
        if live and self.options.on_duplicate == SKIP:
            outcome.action = SKIPPED
            return
        if live:
            self._build_update(outcome, live[0], editable)
        else:
            self._build_new(outcome, taken_numbers)

    def _build_new(self, outcome: Outcome, taken_numbers: set[str]) -> None:
        if not self.may_create:
            outcome.fail(
                ROW,
                _("You may not create %(type)s.") % {"type": self.model._meta.verbose_name_plural},
            )
            return
        number = outcome.values.get("number")
        if number and number in taken_numbers:
            outcome.fail(
                self.column_of["number"],
                _("The number %(number)s is already used.") % {"number": number},
            )
            return
        obj = self.model(owner=self.user, created_by=self.user, updated_by=self.user, version=1)
        self._apply(outcome, obj, {})
        if not outcome.errors:
            outcome.obj, outcome.action = obj, CREATED
            if number:
                taken_numbers.add(number)

    def _build_update(self, outcome: Outcome, obj, editable: set[int]) -> None:
        if obj.pk not in editable:
            outcome.fail(
                ROW, _("You may not change the existing record %(record)s.") % {"record": obj}
            )
            return
        before = snapshot(obj)
        self._apply(outcome, obj, dict(obj.custom_field_data or {}))
        if outcome.errors:
            return
        if not diff(before, snapshot(obj)):
            outcome.action = UNCHANGED
            return
        obj.version += 1
        obj.updated_by = self.user
        obj.updated_at = timezone.now()
        outcome.obj, outcome.before, outcome.action = obj, before, UPDATED

    def _apply(self, outcome: Outcome, obj, custom: dict[str, Any]) -> None:
        """Set the row's values on `obj` and check them as the write path does."""
        for key, value in outcome.values.items():
            target = self.schema.targets[key]
            if target.custom is not None:
                custom[target.custom.name] = value
            elif target.reference is not None:
                setattr(obj, key, value)
            else:
                setattr(obj, target.attname, value)
        for key in self.foreign_keys:
            field = self.model._meta.get_field(key)
            if (
                not field.null
                and getattr(obj, field.attname) is None
                and key in self.schema.targets
            ):
                outcome.fail(
                    self.column_of.get(key, ROW),
                    _("%(field)s is required.") % {"field": field.verbose_name},
                )
        fill_mnemonic(obj)
        try:
            obj.clean_fields(exclude=self.foreign_keys)
            obj.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = self.column_of.get(name, ROW)
                label = (
                    ""
                    if column != ROW
                    else f"{self.model._meta.get_field(name).verbose_name}: "
                    if name in self.schema.targets
                    else ""
                )
                for message in messages:
                    outcome.fail(column, label + message)
        cleaned, errors = self.schema.custom_fields.check(custom)
        for name, messages in errors.items():
            column = self.column_of.get(f"cf.{name}", ROW)
            for message in messages:
                outcome.fail(column, message if column != ROW else f"{name}: {message}")
        obj.custom_field_data = cleaned
        if self.owners is not None and obj.owner_id not in self.owners:
            outcome.fail(
                self.column_of.get("owner", ROW),
                _("You would no longer see this record: choose an owner within your data scope."),
            )

    # ------------------------------------------------------------------ writing

    def _write(self, outcomes: list[Outcome]) -> None:
        from crm.customization.numbering import take_numbers

        created = [o.obj for o in outcomes if o.action == CREATED]
        updated = [o for o in outcomes if o.action == UPDATED]
        unnumbered = [obj for obj in created if not obj.number]
        numbers = take_numbers(self.model, len(unnumbered)) if unnumbered else None
        for obj, number in zip(unnumbered, numbers or (), strict=False):
            obj.number = number
        if created:
            self.model.objects.bulk_create(created)
        changed_fields: set[str] = {"version", "updated_by", "updated_at"}
        changes = []
        for outcome in updated:
            change = diff(outcome.before, snapshot(outcome.obj))
            changed_fields.update(change)
            changes.append((outcome.obj, ChangeAction.UPDATE, change))
        if updated:
            self.model.all_objects.bulk_update([o.obj for o in updated], sorted(changed_fields))
        changes += [(obj, ChangeAction.CREATE, diff({}, snapshot(obj))) for obj in created]
        ObjectChange.objects.bulk_create(
            ObjectChange(
                actor=self.user,
                request_id=self.tag,
                action=action,
                content_type=self.content_type,
                object_id=obj.pk,
                object_repr=str(obj)[:200],
                changes=change,
            )
            for obj, action, change in changes
        )
        search.index_many([obj for obj, _action, _change in changes])

"""The import engine: rows in, records out, in batches, with the write path's rules.

Each row is converted (fields.py), matched against existing records by the chosen key,
checked with the model's field rules and the custom-field rules (as forms and services
check them), and with the importer's permissions and scopes. A batch is then written in
bulk: numbers taken at once, records inserted or updated, one change-log row and one search
entry per record. A row that breaks a rule is reported with its row number, never written.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.core import access, binding, masking, registry, services
from crm.core import lines as line_items
from crm.core.changes import diff, snapshot
from crm.core.exports import FORMULA_START
from crm.core.imports.fields import ItemLookup, Schema, Target, normalize
from crm.core.models import ObjectChange

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
COMPUTED_FIELDS = ("mnemonic_code",)  # filled in by the write path (fill_mnemonic)


LEAVE_EMPTY, ADD_ITEM = "-", "+"  # what becomes of a value no dictionary item names


@dataclass
class Options:
    """How to read the file: the field each column fills, the duplicate policy and key,
    and what the values no dictionary item names become, by field: {key: {text: the
    item's code, LEAVE_EMPTY or ADD_ITEM (added when the import starts)}}."""

    columns: list[str]
    on_duplicate: str = SKIP
    match: str = ""  # key fields joined by "+": "number", "name+phone"
    values: dict[str, dict[str, str]] = field(default_factory=dict)

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
    matched: Any = None  # the existing record the row's key found
    before: dict[str, Any] = field(default_factory=dict)
    masked: dict[str, int] = field(default_factory=dict)  # masked echoes: field -> column
    line: dict[str, Any] = field(default_factory=dict)  # the row's line values, by field
    child: dict[str, Any] = field(default_factory=dict)  # the first related record's values
    child_obj: Any = None  # that record, checked, written with the row's record
    # A document's rows: the first carries the document and gathers the lines of those
    # that follow it with the same key (`head`: the first row, on a following one).
    lines: list[tuple[Outcome, dict[str, Any]]] = field(default_factory=list)
    head: Outcome | None = None
    new_lines: list | None = None
    old_lines: list | None = None

    def fail(self, column: int, message: str) -> None:
        self.errors.setdefault(column, []).append(str(message))

    def message(self, headers: list[str]) -> str:
        parts = []
        for column, messages in sorted(self.errors.items()):
            prefix = "" if column == ROW else f"{headers[column]}: "
            parts.extend(prefix + m for m in messages)
        return "; ".join(parts)


def unneutralised(text: str) -> str:
    """A cell as it was before a CSV export kept a spreadsheet from running it as a
    formula ("'=1+2" -> "=1+2", and "'-1" from older exports); see exports.safe_cell."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def match_choices(object_type: registry.ObjectType, columns: list[str]) -> list[tuple[str, str]]:
    """The match keys whose fields all have a column: (value, label)."""
    model = object_type.model
    out = []
    for fields in object_type.match_keys:
        if all(f in columns for f in fields):
            label = " + ".join(capfirst(str(model._meta.get_field(f).verbose_name)) for f in fields)
            out.append(("+".join(fields), label))
    return out


@dataclass
class Known:
    """What one batch looked up before deciding its rows: matched records by key, numbers
    in use, which matched records the importer reaches, which this import wrote already,
    and the key of each row decided so far (in-file duplicates)."""

    existing: dict[tuple, list]
    numbers: set[str]
    editable: set[int]
    visible: set[int]
    touched: set[int]
    rows: dict[tuple, int] = field(default_factory=dict)
    lines: dict[int, list] = field(default_factory=dict)  # stored lines by document id
    childless: set[int] = field(default_factory=set)  # matched, to get a first related record


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
        self.masked = masking.on_pages(object_type)  # custom fields as "cf.<name>", as targets
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
        self.value_maps = {
            key: {normalize(text): choice for text, choice in chosen.items()}
            for key, chosen in options.values.items()
        }
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.owners = access.owners_within(user, self.model, "view")
        self.may_create = access.can(user, "create", self.model)
        self.may_transfer = access.can(user, "transfer", self.model)
        self.foreign_keys = [
            f.name for f in self.model._meta.concrete_fields if isinstance(f, models.ForeignKey)
        ]
        # Field rules are checked on what a row sets, on required fields and on what the
        # write path fills in; the rest keeps a default or a stored value, valid already.
        mapped = {t.key for _, t in self.mapped}
        self.unchecked = [
            f.name
            for f in self.model._meta.concrete_fields
            if f.name not in mapped and f.blank and f.name not in COMPUTED_FIELDS
        ]
        self.keys = options.match_fields if options.on_duplicate != CREATE else ()
        self.spec = object_type.lines
        # With line columns, a document takes the rows that follow it with the same key.
        self.with_lines = any(t.line for _, t in self.mapped)
        self.child = self._child_importer() if any(t.child for _, t in self.mapped) else None

    def _child_importer(self) -> Importer:
        """An importer of the first related record's type over the same columns."""
        declared = self.object_type.import_child
        assert declared is not None  # child columns exist only when the type declares them
        prefix = f"{declared.type_key}."
        columns = [
            c.removeprefix(prefix) if c.startswith(prefix) else "" for c in self.options.columns
        ]
        child_type = registry.get(declared.type_key)
        return Importer(child_type, self.user, self.headers, Options(columns, CREATE), tag=self.tag)

    # ------------------------------------------------------------------ one batch

    def batch(self, rows: Iterable[tuple[int, list[str]]], *, write: bool = True) -> list[Outcome]:
        """Take rows ((row number, cells)); write them unless `write` is false (preview)."""
        outcomes = [self._convert(number, cells) for number, cells in rows]
        self._resolve_references(outcomes)
        heads = self._gather_lines(outcomes)
        existing = self._existing(heads, lock=write)
        ids = {obj.pk for objs in existing.values() for obj in objs}
        known = Known(
            existing=existing,
            numbers=self._taken_numbers(heads),
            editable=self._reachable(ids, "edit"),
            visible=self._reachable(ids, "view"),
            touched=self._touched_by_this_import(ids),
            lines=self._stored_lines(ids),
            childless=self._childless(ids),
        )
        for outcome in heads:
            if outcome.errors:
                self._check_cells(outcome)
            else:
                self._decide(outcome, known)
            if outcome.child and not outcome.errors:
                parent = outcome.obj if outcome.action == CREATED else outcome.matched
                if outcome.action == CREATED or getattr(parent, "pk", None) in known.childless:
                    self._build_child(outcome, parent)
            if outcome.errors:
                outcome.action = FAILED
        for outcome in outcomes:
            if outcome.head is not None:
                self._follow(outcome)
        if write:
            self._write(heads)
        return outcomes

    def same_document(self, cells: list[str], following: list[str]) -> bool:
        """Whether the row `following` continues the document of the row `cells` (its next
        line): line columns are mapped and the key's cells are the same."""
        if not self.with_lines or not self.keys:
            return False
        columns = [self.column_of[f] for f in self.keys if f in self.column_of]
        key = [cells[c].strip() for c in columns]
        return all(key) and key == [following[c].strip() for c in columns]

    def _gather_lines(self, outcomes: list[Outcome]) -> list[Outcome]:
        """The rows that carry a document; each takes its own line and those of the rows
        that follow it with the same key."""
        if not self.with_lines:
            return outcomes
        heads: list[Outcome] = []
        for outcome in outcomes:
            head = heads[-1] if heads else None
            if head is not None and self.same_document(head.cells, outcome.cells):
                outcome.head = head
                if outcome.errors:
                    message = _("Row %(row)d, a line of this document, is not valid.")
                    head.fail(ROW, message % {"row": outcome.row})
            else:
                heads.append(outcome)
                head = outcome
            if any(v not in (None, "") for v in outcome.line.values()):
                head.lines.append((outcome, outcome.line))
        return heads

    def _follow(self, outcome: Outcome) -> None:
        """A row that only adds a line shares its document's fate."""
        head = outcome.head
        assert head is not None
        if head.action == FAILED and not outcome.errors:
            message = _("Row %(row)d of its document was not imported.")
            outcome.fail(ROW, message % {"row": head.row})
        outcome.action = FAILED if outcome.errors else head.action

    def _convert(self, number: int, cells: list[str]) -> Outcome:
        outcome = Outcome(number, cells)
        for column, target in self.mapped:
            text = unneutralised(cells[column])
            if not text:
                continue  # blank: keep what is stored
            if target.key in self.masked and masking.MASK in text:
                outcome.masked[target.key] = column  # echoed from an export: keep it too
                continue
            if target.reference is not None:
                outcome.values[target.key] = text
                continue
            text = self._mapped(target, text)
            if not text:
                continue  # left empty
            values, name = outcome.values, target.key
            if target.line or target.child:  # "line.<name>", "contact.<name>"
                values = outcome.line if target.line else outcome.child
                name = target.key.partition(".")[2]
            try:
                values[name] = target.convert(text)
            except ValidationError as exc:
                for message in exc.messages:
                    outcome.fail(column, message)
        return outcome

    def _mapped(self, target: Target, text: str) -> str:
        """The cell with each value no dictionary item names as the user chose: an item's
        code, or gone when left empty (an added item's code replaces ADD_ITEM once the
        import starts); a multi-choice cell value by value."""
        chosen = self.value_maps.get(target.key)
        if not chosen:
            return text
        parts = target.convert.parts(text) if isinstance(target.convert, ItemLookup) else [text]
        kept = [chosen.get(normalize(part)) or part for part in parts]
        return ";".join(part for part in kept if part not in (LEAVE_EMPTY, ADD_ITEM))

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
            # What a foreign key may point at, as forms and the API bind it (crm.core.binding).
            found = binding.targets(related.objects.all(), self.user).filter(
                models.Q(number__in=texts) | models.Q(**{f"{title}__in": texts})
            )
            by_number: dict[str, Any] = {}
            by_name: dict[str, list[Any]] = defaultdict(list)
            for pk, number, name in found.values_list("pk", "number", title):
                instance = related(pk=pk, number=number, **{title: name})
                by_number[number] = instance
                by_name[name].append(instance)
            what = {"what": related._meta.verbose_name, "many": related._meta.verbose_name_plural}
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
                        message = _("Several %(many)s are named “%(name)s”; use the number.")
                    else:
                        message = _("There is no %(what)s “%(name)s” that you can see.")
                    outcome.fail(column, message % {**what, "name": text})

    def _key(self, outcome: Outcome) -> tuple | None:
        if not self.keys or outcome.errors:
            return None
        parts = tuple(outcome.values.get(f) for f in self.keys)
        return parts if all(p not in (None, "") for p in parts) else None

    def _existing(self, outcomes: list[Outcome], *, lock: bool) -> dict[tuple, list]:
        """Existing records (the recycle bin's too) by match key; locked until the batch
        commits when it writes, so an edit made meanwhile is not overwritten."""
        keys = {k for o in outcomes if (k := self._key(o)) is not None}
        if not keys:
            return {}
        first = self.keys[0]
        found: dict[tuple, list] = defaultdict(list)
        candidates = self.model.all_objects.filter(
            **{f"{first}__in": {k[0] for k in keys}}
        ).select_related(*self._search_relations())
        if lock:
            candidates = candidates.select_for_update(of=("self",)).order_by("pk")
        for obj in candidates:
            key = tuple(getattr(obj, f) for f in self.keys)
            if key in keys:
                found[key].append(obj)
        return found

    def _search_relations(self) -> set[str]:
        """The relations the search entry reads (a contact's customer's name), loaded with
        the matched records rather than one query each when they are indexed."""
        spec = self.object_type.search
        paths = [spec.title, spec.subtitle, *spec.text, *spec.phones, *spec.emails]
        return {path.rsplit("__", 1)[0] for path in paths if path and "__" in path}

    def _taken_numbers(self, outcomes: list[Outcome]) -> set[str]:
        numbers = {o.values["number"] for o in outcomes if o.values.get("number")}
        if not numbers:
            return set()
        return set(
            self.model.all_objects.filter(number__in=numbers).values_list("number", flat=True)
        )

    def _reachable(self, ids: set[int], kind: str) -> set[int]:
        """Those of the matched records the importer may "view" or "edit"."""
        if not ids or self.options.on_duplicate != UPDATE:
            return set()
        live = self.model.objects.filter(pk__in=ids)
        reached = live.editable_by(self.user) if kind == "edit" else live.visible_to(self.user)
        return set(reached.values_list("pk", flat=True))

    def _touched_by_this_import(self, ids: set[int]) -> set[int]:
        """Existing records an earlier batch of this import wrote (its in-file duplicates)."""
        if not ids or not self.tag:
            return set()
        return set(
            ObjectChange.objects.filter(
                content_type=self.content_type, object_id__in=ids, request_id=self.tag
            ).values_list("object_id", flat=True)
        )

    def _childless(self, ids: set[int]) -> set[int]:
        """Those of the matched records that have no live related record of the child's
        type (a customer without contacts) and that the importer may link one to."""
        if self.child is None or not ids:
            return set()
        link = self.object_type.import_child.link  # type: ignore[union-attr]
        having = self.child.model.objects.filter(**{f"{link}__in": ids}).values(link)
        reachable = binding.targets(self.model.objects.filter(pk__in=ids), self.user)
        return set(reachable.exclude(pk__in=having).values_list("pk", flat=True))

    def _decide(self, outcome: Outcome, known: Known) -> None:
        """Create, update or skip the row, by the duplicate policy and what it matches."""
        match = outcome.matched = self._match(outcome, known)
        if outcome.errors:
            return
        if match is None:
            self._build_new(outcome, known.numbers)
        elif self.options.on_duplicate == SKIP:
            outcome.action = SKIPPED
        else:
            self._build_update(outcome, match, known)

    def _match(self, outcome: Outcome, known: Known) -> Any:
        """The live record the row's key finds (None: none), or a row error when the key
        cannot tell: masked, repeated in the file, several records, the recycle bin."""
        masked_keys = [f for f in self.keys if f in outcome.masked]
        if masked_keys:
            outcome.fail(
                outcome.masked[masked_keys[0]],
                _("A masked number cannot find the existing record; match by another key."),
            )
            return None
        key = self._key(outcome)
        if key is None:
            return None
        if key in known.rows:
            same = _("This is the same record as row %(row)d of the file.")
            outcome.fail(ROW, same % {"row": known.rows[key]})
            return None
        known.rows[key] = outcome.row
        matches = known.existing.get(key, [])
        live = [m for m in matches if m.deleted_at is None]
        if len(live) > 1:
            outcome.fail(
                ROW,
                _("%(n)d existing records match this row; it is not clear which to update.")
                % {"n": len(live)},
            )
        elif live and live[0].pk in known.touched:
            outcome.fail(ROW, _("An earlier row of the file imported this record already."))
        elif matches and not live and "number" in self.keys:
            outcome.fail(
                self.column_of["number"],
                _("The record with this number is in the recycle bin; restore it first."),
            )
        return live[0] if len(live) == 1 and not outcome.errors else None

    def _build_new(self, outcome: Outcome, taken_numbers: set[str]) -> None:
        if not self.may_create:
            outcome.fail(
                ROW,
                _("You may not create %(type)s.") % {"type": self.model._meta.verbose_name_plural},
            )
            return
        for column in outcome.masked.values():
            outcome.fail(column, _("A new record needs the full number, not a masked one."))
        obj = self.model(owner=self.user)
        self._apply(outcome, obj, {}, {}, [])
        self._check_retired(outcome, {})
        self._check_number(outcome, obj, taken_numbers)
        self._check_approval(outcome, obj, {})
        if not outcome.errors:
            outcome.obj, outcome.action = obj, CREATED

    def _build_update(self, outcome: Outcome, obj, known: Known) -> None:
        if obj.pk not in known.visible:
            # Not compared, not named: the importer may not see it.
            outcome.fail(ROW, _("An existing record matches this row, and you may not change it."))
            return
        locked = services.lock_reason(obj)  # as stored, before the row's values
        before = snapshot(obj)
        stored = known.lines.get(obj.pk, [])
        self._apply(outcome, obj, dict(obj.custom_field_data or {}), before, stored)
        self._check_retired(outcome, before)
        self._check_transfer(outcome, before, obj)
        self._check_number(outcome, obj, known.numbers, before.get("number"))
        if outcome.errors:
            return
        if not diff(before, snapshot(obj)) and not self._lines_changed(outcome):
            outcome.action = UNCHANGED  # also for a record the importer may only view
            return
        if obj.pk not in known.editable:
            outcome.fail(
                ROW, _("You may not change the existing record %(record)s.") % {"record": obj}
            )
            return
        if locked:
            outcome.fail(ROW, locked)
            return
        self._check_approval(outcome, obj, before)
        if not outcome.errors:
            outcome.obj, outcome.before, outcome.action = obj, before, UPDATED

    def _check_approval(self, outcome: Outcome, obj, before: dict) -> None:
        """An import writes no change that an approval process must approve first."""
        if outcome.errors:
            return
        for approvable, _proposed, _process in services.held_changes(obj, before, self.user):
            outcome.fail(
                ROW,
                _("“%(approval)s” needs approval: make this change on the record's page.")
                % {"approval": approvable.label},
            )

    def _lines_changed(self, outcome: Outcome) -> bool:
        if outcome.new_lines is None or outcome.old_lines is None or self.spec is None:
            return False
        was = line_items.diff_rows(self.spec, outcome.old_lines)
        return was != line_items.diff_rows(self.spec, outcome.new_lines)

    def _as_stored(self, obj, keys: Iterable[str]) -> None:
        """Values as the database gives them back (decimals to their places, times in UTC),
        so that a cell equal to the stored value does not count as a change."""
        for key in keys:
            model_field = self.schema.targets[key].field
            if not isinstance(model_field, models.DecimalField | models.DateTimeField):
                continue
            value = getattr(obj, key)
            if value is None:
                continue
            if isinstance(model_field, models.DecimalField):
                places = decimal.Decimal(1).scaleb(-model_field.decimal_places)
                setattr(obj, key, value.quantize(places))
            else:
                setattr(obj, key, value.astimezone(datetime.UTC))

    def _check_number(self, outcome: Outcome, obj, taken: set[str], current: str = "") -> None:
        """A new or changed number must be free (the recycle bin's numbers are taken too)."""
        number = obj.number
        if not number or number == current or outcome.errors:
            return
        if number in taken:
            outcome.fail(
                self.column_of["number"],
                _("The number %(number)s is already used.") % {"number": number},
            )
        else:
            taken.add(number)

    def _check_retired(self, outcome: Outcome, before: dict[str, Any]) -> None:
        """A deactivated item or user stays where it is stored, but is not newly set."""
        for key, value in outcome.values.items():
            target = self.schema.targets[key]
            if target.custom is not None:
                continue  # custom fields' own check offers active items and users only
            retired = getattr(target.convert, "retired", ())
            if value in retired and before.get(target.attname) != value:
                column = self.column_of[key]
                outcome.fail(
                    column,
                    _("“%(value)s” is no longer in use.") % {"value": outcome.cells[column]},
                )

    def _check_transfer(self, outcome: Outcome, before: dict[str, Any], obj) -> None:
        if before.get("owner_id") != obj.owner_id and not self.may_transfer:
            outcome.fail(
                self.column_of["owner"],
                _("You may not transfer %(type)s to another owner.")
                % {"type": self.model._meta.verbose_name_plural},
            )

    def _apply(
        self, outcome: Outcome, obj, custom: dict[str, Any], before: dict, stored: list
    ) -> None:
        """Set the row's values on `obj` and check them as the write path does."""
        self._set(outcome.values, obj, custom)
        self._check_required_references(outcome, obj)
        services.fill_mnemonic(obj)
        services.compute(obj, self._lines(outcome, obj, stored))
        self._check_fields(outcome, obj, exclude=self.unchecked, with_clean=True)
        self._check_custom(outcome, obj, custom)
        if not outcome.errors:
            self._report(outcome, services.rule_errors(obj, before, self.user))
        owner_set = obj._state.adding or "owner" in outcome.values
        if owner_set and self.owners is not None and obj.owner_id not in self.owners:
            outcome.fail(
                self.column_of.get("owner", ROW),
                _("You would no longer see this record: choose an owner within your data scope."),
            )

    def _stored_lines(self, ids: set[int]) -> dict[int, list]:
        """The stored lines of the matched documents, in one query."""
        if self.spec is None or not ids:
            return {}
        parent = f"{self.spec.parent}_id"
        found: dict[int, list] = defaultdict(list)
        rows = self.spec.model._default_manager.filter(**{f"{parent}__in": ids})
        for line in rows:
            found[getattr(line, parent)].append(line)
        return found

    def _lines(self, outcome: Outcome, obj, stored: list) -> list | None:
        """The document's lines after the row: those of its rows when lines are mapped
        (checked; errors named by row and column), else the stored ones."""
        if self.spec is None:
            return None
        outcome.old_lines = stored
        if not self.with_lines:
            return stored
        values = [values for _row, values in outcome.lines]
        lines = line_items.build(self.spec, obj, values, self.user, stored)
        rows = [row for row, _values in outcome.lines]
        for key, messages in line_items.errors(self.spec, lines).items():
            index, *name = key.split(".")[1:]  # lines.<index>[.<field>]
            row = rows[int(index)]
            column = self.column_of.get(f"line.{name[0]}", ROW) if name else ROW
            for message in messages:
                if row is outcome:
                    outcome.fail(column, message)
                else:
                    row.fail(column, message)
                    text = _("Row %(row)d, a line of this document, is not valid.")
                    outcome.fail(ROW, text % {"row": row.row})
        outcome.new_lines = lines
        return lines

    def _report(self, outcome: Outcome, errors: dict[str, list[str]]) -> None:
        """Errors by field name, each in its column (or the row's, named by its label)."""
        for name, messages in errors.items():
            column = self.column_of.get(name, ROW)
            label = ""
            if column == ROW and name in self.schema.targets:
                label = f"{self.model._meta.get_field(name).verbose_name}: "
            for message in messages:
                outcome.fail(column, label + message)

    def _check_cells(self, outcome: Outcome) -> None:
        """Check the converted cells of a row that failed already on their own, so that its
        report names every bad cell at once."""
        obj, custom = self.model(owner=self.user), {}
        self._set(outcome.values, obj, custom)
        others = [f.name for f in self.model._meta.concrete_fields if f.name not in outcome.values]
        self._check_fields(outcome, obj, exclude=others, with_clean=False)
        self._check_custom(outcome, obj, custom, only=set(custom))

    def _set(self, values: dict[str, Any], obj, custom: dict[str, Any]) -> None:
        for key, value in values.items():
            target = self.schema.targets[key]
            if target.custom is not None:
                custom[target.custom.name] = value
            elif target.reference is not None:
                setattr(obj, key, value)
            else:
                setattr(obj, target.attname, value)

    def _check_required_references(self, outcome: Outcome, obj) -> None:
        for key in self.foreign_keys:
            model_field = self.model._meta.get_field(key)
            if (
                not model_field.null
                and getattr(obj, model_field.attname) is None
                and key in self.schema.targets
            ):
                outcome.fail(
                    self.column_of.get(key, ROW),
                    _("%(field)s is required.") % {"field": capfirst(model_field.verbose_name)},
                )

    def _check_fields(self, outcome: Outcome, obj, *, exclude: list[str], with_clean: bool) -> None:
        """The model's field rules but on `exclude`, and its `clean()` if `with_clean`."""
        try:
            obj.clean_fields(exclude=[*self.foreign_keys, *exclude])
            if with_clean:
                obj.clean()
            self._as_stored(obj, outcome.values)
        except ValidationError as exc:
            self._report(outcome, exc.message_dict)

    def _check_custom(
        self, outcome: Outcome, obj, custom: dict[str, Any], only: set[str] | None = None
    ) -> None:
        cleaned, errors = self.schema.custom_fields.check(custom)
        for name, messages in errors.items():
            if only is not None and name not in only:
                continue
            column = self.column_of.get(f"cf.{name}", ROW)
            target = self.schema.targets.get(f"cf.{name}")
            label = target.label if target is not None else name
            for message in messages:
                outcome.fail(column, message if column != ROW else f"{label}: {message}")
        obj.custom_field_data = cleaned

    def _build_child(self, outcome: Outcome, parent) -> None:
        """The first related record of the row's record (a customer's first contact: new,
        or matched and without one) from the row's child columns, checked by its type's
        rules; its errors fail the row."""
        child, declared = self.child, self.object_type.import_child
        assert child is not None and declared is not None
        if not child.may_create:
            message = _("You may not create %(type)s.")
            outcome.fail(ROW, message % {"type": child.model._meta.verbose_name_plural})
            return
        obj = child.model(owner_id=parent.owner_id, **declared.defaults)
        checked = Outcome(outcome.row, outcome.cells, values=outcome.child)
        custom: dict[str, Any] = {}
        child._set(checked.values, obj, custom)
        services.fill_mnemonic(obj)
        # The link is to this row's record, new or one the importer sees: not checked again.
        exclude = [*child.unchecked, declared.link]
        child._check_fields(checked, obj, exclude=exclude, with_clean=True)
        child._check_custom(checked, obj, custom)
        for column, messages in checked.errors.items():
            for message in messages:
                outcome.fail(column, message)
        if not checked.errors:
            outcome.child_obj = obj

    # ------------------------------------------------------------------ writing

    def _write(self, outcomes: list[Outcome]) -> None:
        written = [o for o in outcomes if o.action in (CREATED, UPDATED)]
        services.save_batch(
            self.model,
            [o.obj for o in written if o.action == CREATED],
            [(o.obj, o.before) for o in written if o.action == UPDATED],
            actor=self.user,
            request_id=self.tag,
            lines=[(o.obj, o.old_lines, o.new_lines) for o in written if self.with_lines],
        )
        children = [o for o in outcomes if o.child_obj is not None and o.action != FAILED]
        if children and self.child is not None:
            link = self.object_type.import_child.link  # type: ignore[union-attr]
            for outcome in children:
                parent = outcome.obj if outcome.action == CREATED else outcome.matched
                setattr(outcome.child_obj, link, parent)  # stored now, with its id
            services.save_batch(
                self.child.model,
                [o.child_obj for o in children],
                [],
                actor=self.user,
                request_id=self.tag,
            )

"""The object-type registry: registering a type gives it the generic pages and API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.text import capfirst
from pydantic import BaseModel

from crm.core import schemas
from crm.core.states import Category, StateMachine

if TYPE_CHECKING:  # the models are not loaded yet when types are declared
    from crm.core.models import Record


@dataclass(frozen=True)
class Column:
    """A list column over `values()` rows.

    kind: text, number, money (the pair `<name>_amount`, `<name>_currency`, or the amount
    `<name>` in the column `currency` names; shown as ¥1,234.50), date, datetime, bool,
    choice (model choices), dict (dictionary item), user, link (a foreign record: shows
    `<name>__name`, links to it), name (a foreign setting's `<name>__name`, not linked: an
    opportunity's stage), title (links to the row's own detail page).
    """

    name: str
    label: Any
    kind: str = "text"
    sortable: bool = False
    currency: str = ""  # a money column's currency field, when not `<name>_currency`

    @property
    def money_fields(self) -> tuple[str, str]:
        """The amount and currency fields of a money column."""
        if self.currency:
            return self.name, self.currency
        return f"{self.name}_amount", f"{self.name}_currency"


@dataclass(frozen=True)
class Related:
    """A tab of related records on the detail page."""

    type_key: str
    fk: str
    label: Any
    columns: tuple[str, ...]


@dataclass(frozen=True)
class SearchSpec:
    """Which fields feed global search: the title, a subtitle, plain text, phones, emails."""

    title: str
    subtitle: str = ""
    text: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportChild:
    """Columns of an import file that create a record's first related record in the same
    batch (for a new record, or a matched one that has none): a customer's first contact
    from the row's 联系人 and 手机. `link` is the related type's field pointing at the
    record; `defaults` are set on what it makes."""

    type_key: str
    link: str
    fields: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LineSpec:
    """A type's line items (crm.core.lines): the line model, its foreign key to the
    document, and the fields a user types on each line, in order."""

    model: type[models.Model]
    parent: str
    fields: tuple[str, ...]
    # Widgets of the form's cells by field: a `RemoteSelect` for a link to a large table.
    widgets: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # Rules across the lines, once each line is valid: `check(lines)` answers errors as
    # `lines.<i>.<field>` (a product priced twice from the same quantity).
    check: Callable[[list], dict[str, list[str]]] | None = None


@dataclass(frozen=True)
class Panel:
    """A card on the detail page: `template` rendered with `data`, what `context(obj, user)`
    gives (it runs only for those shown the panel, and makes whatever queries it needs), in
    `order`, to those who may `permission` on the type (None: whoever sees the record)."""

    key: str
    label: Any
    template: str
    context: Callable[[Any, Any], dict] | None = None
    order: int = 100
    permission: str | None = None
    sidebar: bool = False  # beside the timeline rather than under the fields


@dataclass(frozen=True)
class TypeView:
    """An extra page of a type, named `<app>:<type>_<name>`: `<plural>/<name>/`, called as
    `view(request, object_type)`, or with `record=True` `<plural>/<pk>/<name>/`, called as
    `view(request, object_type, obj)`. The platform first signs the user in, answers 403
    without `permission` on the type and 404 for a record the user does not see."""

    name: str
    view: Callable[..., Any]
    label: Any = ""
    record: bool = False
    permission: str = "view"


@dataclass(frozen=True)
class Action:
    """A button on the detail page: to the type's record view `view` (a `TypeView` name) or
    to `url_name` (reversed with the record's id), shown to those who may `permission` on the
    type when `when(obj, user)` holds; a POST asks `confirm` first when given."""

    label: Any
    view: str = ""
    url_name: str = ""
    permission: str = "view"
    method: str = "POST"
    confirm: Any = ""
    when: Callable[[Any, Any], bool] | None = None


@dataclass(frozen=True)
class WorkbenchCard:
    """The type's card on the workbench, linking to its list: a number, `count(user)`, or a
    template of its own (given `object_type` and `user`). `create_label` adds a quick link
    to the new-record page for those who may create."""

    label: Any
    count: Callable[[Any], int] | None = None
    template: str = ""
    order: int = 100
    create_label: Any = ""


@dataclass(frozen=True)
class BoardColumn:
    """A column of a type's board: the value the board's field holds for its cards (a state,
    a stage's id), its heading, and its category (crm.core.states.Category), which colours it."""

    value: Any
    label: Any
    category: str = Category.OPEN


@dataclass(frozen=True)
class Board:
    """A type's kanban board (看板, crm.core.board): its records in one column per value of
    `field` (the state machine's status unless named: an opportunity's `stage`); a card
    dragged to another column runs a transition.

    `columns(user, lane)` gives the columns (None: the state machine's states), for the lane
    chosen above the board among `lanes(user)` ([(value, label)]: an opportunity's sales
    processes; `?lane=`, the first by default). `move(record, column)` names the transition
    a card dropped on `column` runs and the data it takes, as `services.transition` takes it
    (None: the only transition from the card's state to the column's). Each column's header
    counts its cards and sums `amount` (a money pair `<amount>_amount`, `<amount>_currency`;
    with `currency`, a plain decimal field and the field holding its currency) and
    `weighted` (an amount in the same currency), per currency. A card shows its title, its
    number and `card_fields` (the type's list columns); a column reads `page_size` cards at
    a time in `order` (then id).
    """

    field: str = ""
    columns: Callable[[Any, str], list[BoardColumn]] | None = None
    lanes: Callable[[Any], list[tuple[Any, Any]]] | None = None
    lane_label: Any = ""  # what the lanes are ("Sales process"); "Board" when not given
    move: Callable[[Any, BoardColumn], tuple[str, dict[str, Any]]] | None = None
    amount: str = ""
    currency: str = ""
    weighted: str = ""
    card_fields: tuple[str, ...] = ()
    order: str = "-updated_at"
    page_size: int = 20


@dataclass(frozen=True)
class Rollup:
    """A type's live records counted and summed by a few of their fields, in a table of its
    own kept by the write path (crm.core.rollups), so a board's headers and a funnel read a
    few rows per owner instead of every record the user sees.

    `model` has a unique key over the columns `keys` names, a `records` count and the
    columns `sums` names; both map a rollup column to the record's field (attname). The
    record's `owner_id` is one of the keys: reads follow the user's scope by owner.
    """

    model: Any
    keys: dict[str, str]
    sums: dict[str, str]

    def column(self, attname: str) -> str | None:
        """The rollup's column holding the record's field `attname` (None: not kept)."""
        kept = {**self.keys, **self.sums}
        return next((name for name, field in kept.items() if field == attname), None)


@dataclass(frozen=True)
class Approvable:
    """What of a type goes through approval processes (crm.workflow; 审批), named by `key`.

    Either a change of `fields`: a save that changes them to values a process's conditions
    match keeps the stored values, and the change waits for approval, applied when the
    last step approves (a credit limit raised above an amount). Or a document's `submit`
    transition: once it has run, the process that matches takes the record through its
    steps and then runs `approve`, or `reject` when an approver rejects to the submitter,
    or `withdraw` when the submitter takes it back; no process matching runs `approve` at
    once. While a request is pending the record is locked everywhere.
    """

    key: str
    label: Any
    fields: tuple[str, ...] = ()
    submit: str = ""
    approve: str = ""
    reject: str = ""
    withdraw: str = ""

    def __post_init__(self) -> None:
        assert bool(self.fields) != bool(self.submit), "an approvable holds fields or a submit"

    @property
    def transitions(self) -> tuple[str, ...]:
        """The transitions only a process runs while a request is pending."""
        return tuple(t for t in (self.approve, self.reject, self.withdraw) if t)


@dataclass
class ObjectType:
    """Everything the platform needs to know to serve one object type."""

    model: type[Record]
    slug: str  # plural English name used in URLs and the API: "customers"
    form: type
    filterset: type
    columns: list[Column]
    default_columns: list[str]
    search: SearchSpec
    detail_fields: list[str]
    related: list[Related] = field(default_factory=list)
    number_prefix: str = ""
    icon: str = ""
    orderings: tuple[str, ...] = ("-updated_at", "updated_at", "name", "-name", "-created_at")
    default_ordering: str = "-updated_at"
    in_menu: bool = True
    masked: tuple[str, ...] = ()  # personal numbers shown as 138****5678 (crm.core.masking)
    # Fields that find the existing record an imported row stands for, one tuple per way.
    match_keys: tuple[tuple[str, ...], ...] = (("number",), ("external_id",))
    # Other names a spreadsheet from another system gives a field's column, in any
    # language: {"region": ("地区", "区域", "area")}; matched as loosely as the labels.
    import_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    import_child: ImportChild | None = None
    # The status field and its transitions (crm.core.states); the field is then read-only.
    state_machine: StateMachine | None = None
    # Its records on a kanban board, moved by its transitions (see Board).
    board: Board | None = None
    # The type's rules, declared once: the write path calls them for every page, API call
    # and imported row. `clean(obj, before, actor)` raises ValidationError naming fields
    # (`before`: the stored values, {} for a new record); `compute(obj, lines)` fills the
    # `computed` fields (read-only everywhere) from the record and its lines (the lines the
    # write stores; None for a type without lines); `lock(obj)` gives the reason a stored
    # record may not be changed now (transitions still move it).
    clean: Callable[[Any, dict[str, Any], Any], None] | None = None
    compute: Callable[[Any, list | None], None] | None = None
    computed: tuple[str, ...] = ()
    lock: Callable[[Any], str | None] | None = None
    # `written(records)` runs in the write's transaction once records of the type are
    # stored, deleted or restored (one, or an import's batch): it keeps up what other
    # records total from them (an instalment's received amount from its payments).
    written: Callable[[list], None] | None = None
    # Its records counted and summed by a few fields, kept by the write path (Rollup).
    rollup: Rollup | None = None
    # What of the type goes through approval processes (see Approvable).
    approvals: tuple[Approvable, ...] = ()
    lines: LineSpec | None = None
    # The API takes the form's fields and these; it answers them, the detail page's, the
    # computed ones and the status. Its schemas are generated (crm.core.schemas) unless
    # written by hand.
    api_fields: tuple[str, ...] = ()
    schema_in: type[BaseModel] | None = None
    schema_patch: type[BaseModel] | None = None
    schema_out: type[BaseModel] | None = None
    # Pages of its own (docs/architecture.md, "Per-type pages"): detail panels, detail
    # buttons, extra views, the menu position and the workbench card.
    panels: tuple[Panel, ...] = ()
    actions: tuple[Action, ...] = ()
    views: tuple[TypeView, ...] = ()
    menu_order: int = 100
    workbench: WorkbenchCard | None = None

    @property
    def key(self) -> str:
        name = self.model._meta.model_name
        assert name is not None  # set on every model class Django has prepared
        return name

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    @property
    def label(self) -> str:
        return capfirst(str(self.model._meta.verbose_name))

    @property
    def label_plural(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))

    @property
    def shareable(self) -> bool:
        """Records with owners of their own take collaborators and shares; child records
        follow their parent."""
        return not getattr(self.model, "access_parent", None)

    @property
    def own_actions(self) -> dict[str, Any]:
        """The permission actions the type's transitions, buttons, panels and extra views
        need, each with the label of the first that needs it (for the role matrix)."""
        found: dict[str, Any] = dict(self.state_machine.actions) if self.state_machine else {}
        for needs, label in (
            *((a.permission, a.label) for a in self.actions),
            *((p.permission, p.label) for p in self.panels if p.permission),
            *((v.permission, v.label or v.name) for v in self.views),
        ):
            found.setdefault(needs, label)
        return found

    def url_name(self, action: str) -> str:
        return f"{self.app_label}:{self.key}_{action}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


_types: dict[str, ObjectType] = {}


def register(object_type: ObjectType) -> ObjectType:
    """Add a type; its key is the model name ("customer"). The API schemas it does not
    write by hand are generated from its model."""
    if not (object_type.schema_in and object_type.schema_patch and object_type.schema_out):
        generated = generated_schemas(object_type)
        object_type.schema_in = object_type.schema_in or generated.schema_in
        object_type.schema_patch = object_type.schema_patch or generated.schema_patch
        object_type.schema_out = object_type.schema_out or generated.schema_out
    _types[object_type.key] = object_type
    for extension in _extensions:
        extension(object_type)
    return object_type


_extensions: list[Callable[[ObjectType], None]] = []


def extend(extension: Callable[[ObjectType], None]) -> None:
    """Call `extension(object_type)` for every type, those registered already and those
    registered later, whatever order the apps start in (the workflow app gives each type
    with approvals its approval panel)."""
    _extensions.append(extension)
    for object_type in list(_types.values()):
        extension(object_type)


def generated_schemas(object_type: ObjectType) -> schemas.Schemas:
    """In and Patch take the form's fields and `api_fields`; Out answers those and the
    detail page's, the computed fields and the status, which are only read."""
    machine = object_type.state_machine
    status = (machine.field,) if machine else ()
    form_fields = object_type.form._meta.fields  # type: ignore[attr-defined]
    taken = (*form_fields, *object_type.api_fields)
    shown = (*object_type.detail_fields, *object_type.computed, *status)
    lines = object_type.lines
    return schemas.generate(
        object_type.model,
        list(dict.fromkeys((*taken, *shown))),
        read_only={*object_type.computed, *status, *(set(shown) - set(taken))},
        line_model=lines.model if lines else None,
        line_parent=lines.parent if lines else "",
        line_fields=lines.fields if lines else (),
    )


def get(key: str) -> ObjectType:
    return _types[key]


def for_model(model: type[models.Model]) -> ObjectType | None:
    name = model._meta.model_name
    assert name is not None  # set on every model class Django has prepared
    return _types.get(name)


def all_types() -> list[ObjectType]:
    return list(_types.values())

"""Kanban boards (看板): a type's records in one column per state or stage; a card dropped on
another column runs one of the type's transitions (`services.transition`).

The board reads what the list reads (`lists.build`: what the user sees, the list's filters
and quick search). Each column is its own query, paged by a keyset cursor and read part by
part for a bounded scope (`access.visible_parts`), so a column of 50,000 cards opens as fast
as one of five; the headers' counts and sums are grouped by the column field, read from
the type's rollup (crm.core.rollups) when no filter narrows the board.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm.core import lists, masking, money, paging, rollups, services
from crm.core.errors import BadParameter, TransitionRefused
from crm.core.registry import Board, BoardColumn, Column, ObjectType
from crm.core.states import Transition


@dataclass
class BoardQuery:
    """What the user asked the board for: the records they see with the list's filters
    (`parts`: the same, part by part), the lane and its columns."""

    object_type: ObjectType
    board: Board
    field: str
    records: QuerySet
    parts: list | None
    list_query: lists.ListQuery
    lanes: list[tuple[str, Any]]
    lane: str
    columns: list[BoardColumn]


def open_board(object_type: ObjectType, user: Any, params: QueryDict) -> BoardQuery:
    """The board of `object_type` as `user` asked for it (the list's filters, `lane`)."""
    board = object_type.board
    machine = object_type.state_machine
    assert board is not None and machine is not None  # a board moves cards by transitions
    records, list_query = lists.build(object_type, user, params)
    lanes = [(str(value), label) for value, label in board.lanes(user)] if board.lanes else []
    asked = params.get("lane", "")
    lane = next((value for value, _label in lanes if value == asked), lanes[0][0] if lanes else "")
    if board.columns:
        columns = board.columns(user, lane)
    else:
        columns = [BoardColumn(s.value, s.label, s.category) for s in machine.states]
    return BoardQuery(
        object_type,
        board,
        board.field or machine.field,
        records,
        list_query.parts,
        list_query,
        lanes,
        lane,
        columns,
    )


def key(value: Any) -> str:
    """A column's value as the page names it (`?column=`, the card's column)."""
    return str(value)


def column(query: BoardQuery, name: str) -> BoardColumn:
    """The column of the board named `name`; BadParameter (400) when there is none."""
    for one in query.columns:
        if key(one.value) == name:
            return one
    raise BadParameter("column", _("There is no such column on this board."))


def column_of(query: BoardQuery, obj: Any) -> BoardColumn | None:
    """The column `obj` stands in now (None: none of this lane's)."""
    value = key(obj.serializable_value(query.field))
    return next((one for one in query.columns if key(one.value) == value), None)


# Totals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """A column's header: how many cards, and the sums of their amounts, one per currency."""

    count: int = 0
    amounts: tuple[money.Money, ...] = ()
    weighted: tuple[money.Money, ...] = ()

    @property
    def amount_text(self) -> str:
        return _money_text(self.amounts)

    @property
    def weighted_text(self) -> str:
        return _money_text(self.weighted)


def _money_text(amounts: tuple[money.Money, ...]) -> str:
    shown = amounts or (money.Money(0, money.company_currency()),)
    return " · ".join(money.to_text(amount) for amount in shown)


def _amount_fields(board: Board) -> tuple[str, str]:
    """The amount's field and its currency's ("" and "": no amount)."""
    if not board.amount:
        return "", ""
    if board.currency:
        return board.amount, board.currency
    return f"{board.amount}_amount", f"{board.amount}_currency"


def totals(query: BoardQuery, columns: list[BoardColumn] | None = None) -> dict[str, Totals]:
    """Each column's count and sums (by its key), or only those of `columns` (the two a
    card moved between), grouped by the column field and the currency over the records
    the user sees with the list's filters: from the type's rollup when nothing narrows
    the list, else from the records."""
    board = query.board
    amount, currency = _amount_fields(board)
    summed = [name for name in (amount, board.weighted) if name]
    values = [one.value for one in (query.columns if columns is None else columns)]
    field = query.object_type.model._meta.get_field(query.field).attname
    by = [field, *([currency] if currency else [])]
    where = {field: values}
    rows = None
    if not lists.narrowed(query.list_query):
        rows = rollups.grouped(query.object_type, query.list_query.user, by, where, summed)
    if rows is None:
        rows = rollups.counted(query.records, by, where, summed)
    counts: dict[str, int] = {}
    amounts: dict[str, dict[str, list]] = {}
    for row in rows:
        name = key(row[field])
        counts[name] = counts.get(name, 0) + row["records"]
        code = row.get(currency) or money.company_currency()
        for kind, summed_field in (("amount", amount), ("weighted", board.weighted)):
            if summed_field and row[f"sum_{summed_field}"] is not None:
                amounts.setdefault(kind, {}).setdefault(name, []).append(
                    money.Money(row[f"sum_{summed_field}"], code)
                )

    def ordered(kind: str, name: str) -> tuple[money.Money, ...]:
        # The company's currency first, then the others by their codes.
        found = amounts.get(kind, {}).get(name, [])
        company = money.company_currency()
        return tuple(sorted(found, key=lambda m: (m.currency != company, m.currency)))

    return {
        name: Totals(counts.get(name, 0), ordered("amount", name), ordered("weighted", name))
        for name in (key(value) for value in values)
    }


# Cards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A record on the board: its title (linking to its page), number, the column it stands
    in, its version (sent back with a move) and its card fields as (label, text)."""

    pk: int
    version: int
    column: str
    title: str
    url: str
    number: str
    fields: list[tuple[Any, str]]


@dataclass
class ShownColumn:
    """A column as the page shows it: its header and a page of its cards."""

    column: BoardColumn
    key: str
    totals: Totals
    cards: list[Card] = field(default_factory=list)
    next_cursor: str | None = None


def _card_columns(query: BoardQuery) -> list[Column]:
    """The title, then the card fields (list columns, custom ones included)."""
    available = {
        c.name: c
        for c in lists.available_columns(query.object_type, query.list_query.custom_fields)
    }
    title = Column(query.object_type.search.title, "", "title")
    return [title, *(available[n] for n in query.board.card_fields if n in available)]


def _values(query: BoardQuery, columns: list[Column]) -> list[str]:
    return ["id", "version", "number", query.field, *lists.value_fields(columns)]


def column_page(query: BoardQuery, one: BoardColumn, cursor: str | None = None) -> paging.Page:
    """A page of the cards of column `one`, after `cursor`: its own query (part by part for
    a bounded scope) in the board's order, never an OFFSET."""
    where = {query.field: one.value}
    parts = [part.filter(**where) for part in query.parts] if query.parts else None
    return paging.paginate(
        query.records.filter(**where),
        query.board.order,
        fields=_values(query, _card_columns(query)),
        limit=query.board.page_size,
        cursor=cursor,
        parts=parts,
    )


def cards(query: BoardQuery, pages: list[list[dict]]) -> list[list[Card]]:
    """The rows of several pages as cards, their labels looked up once for all of them."""
    columns = _card_columns(query)
    rows = [row for page in pages for row in page]
    formatter = lists.Formatter(
        query.object_type,
        columns,
        rows,
        query.list_query.custom_fields,
        hidden=masking.on_pages(query.object_type),
    )
    labels = [str(c.label) for c in columns[1:]]  # translated once for every card

    def as_card(row: dict, written: dict) -> Card:
        (title, url), *cells = written["cells"]
        return Card(
            pk=row["id"],
            version=row["version"],
            column=key(row[query.field]),
            title=title,
            url=url,
            number=row["number"],
            fields=[(lb, text) for lb, (text, _url) in zip(labels, cells, strict=True) if text],
        )

    return [
        [as_card(row, written) for row, written in zip(page, formatter.rows(page), strict=True)]
        for page in pages
    ]


def first_pages(query: BoardQuery) -> list[ShownColumn]:
    """Every column with its header and first page of cards (a column the header counts
    empty is not read)."""
    found = totals(query)
    shown = [ShownColumn(one, key(one.value), found[key(one.value)]) for one in query.columns]
    filled = [one for one in shown if one.totals.count]
    pages = [column_page(query, one.column) for one in filled]
    made = cards(query, [page.rows for page in pages])
    for one, page, page_cards in zip(filled, pages, made, strict=True):
        one.cards, one.next_cursor = page_cards, page.next_cursor
    return shown


def next_page(query: BoardQuery, one: BoardColumn, cursor: str | None) -> ShownColumn:
    """The cards of column `one` after `cursor` (its header left out)."""
    page = column_page(query, one, cursor)
    (page_cards,) = cards(query, [page.rows])
    return ShownColumn(one, key(one.value), Totals(), page_cards, page.next_cursor)


def card(query: BoardQuery, pk: int) -> Card | None:
    """Record `pk` as a card, or None when it is not on the board (filtered out)."""
    rows = list(query.records.filter(pk=pk).values(*_values(query, _card_columns(query))))
    return cards(query, [rows])[0][0] if rows else None


# Moves -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """What dropping a card on a column runs: a transition, and the data it takes."""

    step: Transition
    data: dict[str, Any]


def plan(query: BoardQuery, obj: Any, target: BoardColumn) -> Move:
    """The transition (and its data) that takes `obj` to column `target`: the board's
    `move`, else the only transition from the card's state to the column's. Raises
    TransitionRefused ("wrong_state", 409) when no transition leads there."""
    machine = query.object_type.state_machine
    assert machine is not None  # a board moves cards by transitions
    if query.board.move:
        name, data = query.board.move(obj, target)
    else:
        current = getattr(obj, machine.field)
        leading = [t.name for t in machine.leaving(current) if t.target == target.value]
        if not leading:
            state = machine.state(current)
            raise TransitionRefused(
                "wrong_state",
                _("No action moves a record from “%(source)s” to “%(target)s”.")
                % {"source": state.label if state else current, "target": target.label},
            )
        name, data = leading[0], {}
    step = machine.transition(name)
    if step is None:
        raise TransitionRefused("unknown_transition", _("There is no such action."))
    return Move(step, data)


def move(obj: Any, planned: Move, *, actor: Any, expected_version: int | None, typed: dict):
    """Run the planned transition on `obj` as `actor`, with what the user typed for the
    fields it takes (the plan's own data wins). Raises what `services.transition` raises;
    a refused move writes nothing."""
    return services.transition(
        obj,
        planned.step.name,
        actor=actor,
        expected_version=expected_version,
        **{**typed, **planned.data},
    )

"""A board's cards (crm.core.board), written here rather than by template nodes: a board
shows a hundred cards, and the template engine took a quarter of a millisecond for each."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.core.board import Card

register = template.Library()


def _e(value: Any) -> str:
    """`value` escaped as the template engine escapes it (safe strings stay as they are)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _shared(context) -> tuple[str, str, str]:
    """What every card of one page shares, worked out once: its move URL's two ends (around
    the card's id) and the menu's label."""
    shared = context.render_context.get("board_card")
    if shared is None:
        url = reverse(context["object_type"].url_name("board_move"), args=[0])
        head, tail = url.rsplit("/0/", 1)
        shared = (f"{head}/", f"/{tail}", _e(_("Move to…")))
        context.render_context["board_card"] = shared
    return shared


@register.simple_tag(takes_context=True)
def board_card(context, card: Card) -> SafeString:
    """One card: its title linking to its page, its number, its fields and, for a user who
    may move cards, its "Move to…" menu (filled from the board's list when it opens)."""
    head, tail, move_label = _shared(context)
    pk = int(card.pk)
    number = (
        f'<span class="ms-auto text-secondary small text-nowrap" data-number>{_e(card.number)}'
        "</span>"
        if card.number
        else ""
    )
    fields = "".join(
        f'<dt class="text-secondary fw-normal">{_e(label)}</dt><dd class="mb-0">{_e(text)}</dd>'
        for label, text in card.fields
    )
    if fields:
        fields = f'<dl class="crm-board-fields small mb-0 mt-1">{fields}</dl>'
    menu = (
        '<div class="dropdown mt-1"><button class="btn btn-sm btn-ghost-secondary '
        'dropdown-toggle px-1" type="button" data-bs-toggle="dropdown" '
        'data-bs-popper-config=\'{"strategy": "fixed"}\' aria-expanded="false" '
        f'aria-describedby="board-card-title-{pk}" data-board-menu>{move_label}</button>'
        '<div class="dropdown-menu" data-board-menu-items></div></div>'
        if context.get("can_move")
        else ""
    )
    return mark_safe(  # every value above is escaped by _e
        f'<article class="card card-sm crm-board-card" id="board-card-{pk}" data-card '
        f'data-pk="{pk}" data-version="{int(card.version)}" data-column="{_e(card.column)}" '
        f'data-move-url="{_e(head)}{pk}{_e(tail)}" aria-labelledby="board-card-title-{pk}">'
        '<div class="card-body"><div class="d-flex gap-2 align-items-start">'
        f'<a class="fw-medium" id="board-card-title-{pk}" href="{_e(card.url)}">'
        f"{_e(card.title)}</a>{number}</div>{fields}{menu}</div></article>"
    )

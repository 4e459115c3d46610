"""The board page of a type with a board (crm.core.board): its columns, the next cards of one
column, and a card moved to another column."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from crm.core import access, board, lists, registry
from crm.core.errors import DomainError
from crm.core.forms import TransitionForm, show_domain_error
from crm.core.views.generic import PANEL, _without, render_page, type_templates

DIALOG = "#board-dialog-content"  # where a move that needs more asks for it


def _context(request, query: board.BoardQuery) -> dict:
    object_type = query.object_type
    machine = object_type.state_machine
    assert machine is not None  # a board moves cards by transitions
    return {
        "object_type": object_type,
        "board": query,
        "query": query.list_query,
        "custom_filters": lambda: lists.custom_filters(query.list_query),
        "filters_active": lists.filters_active(query.list_query),
        "filter_templates": [f"{name}#filters" for name in type_templates(object_type, "list")],
        "column_choices": [(board.key(c.value), c.label) for c in query.columns],
        "can_create": access.can_create(request.user, object_type.model),
        "can_move": any(
            access.can(request.user, step.action, object_type.model) for step in machine.transitions
        ),
        "board_query": _without(request.GET, "column", "cursor", PANEL),
        "list_query": _without(request.GET, "column", "cursor", "lane", PANEL),
    }


def _templates(query: board.BoardQuery, partial: str) -> list[str]:
    return [f"{name}#{partial}" for name in type_templates(query.object_type, "board")]


@login_required
def board_view(request, type_key: str):
    """The board: one column per state or stage, each with its header and first cards; with
    `?column=` and `?cursor=`, the next cards of that column ("More")."""
    object_type = registry.get(type_key)
    if not access.can(request.user, "view", object_type.model):
        raise PermissionDenied
    query = board.open_board(object_type, request.user, request.GET)
    context = _context(request, query)
    if request.GET.get(PANEL) == "filters":  # the list's filters, shown when asked for
        return render(request, context["filter_templates"], context)
    name = request.GET.get("column")
    if name is not None:
        one = board.column(query, name)
        context["column"] = board.next_page(query, one, request.GET.get("cursor"))
        return render(request, _templates(query, "cards"), context)
    context["columns"] = board.first_pages(query)
    return render_page(request, type_templates(object_type, "board"), context, partial="board")


@login_required
@require_POST
def move_view(request, type_key: str, pk: int):
    """Move a card to another column (dropped there or chosen in its menu): the card in its
    new column and both columns' headers (out of band), or why not, with nothing changed;
    a transition that needs fields asks for them in a dialog, posted here again."""
    object_type = registry.get(type_key)
    obj = get_object_or_404(object_type.model.objects.visible_to(request.user), pk=pk)
    query = board.open_board(object_type, request.user, request.GET)
    target = board.column(query, request.POST.get("column", ""))
    source = board.column_of(query, obj)
    try:
        planned = board.plan(query, obj, target)
    except DomainError as error:
        return _refused(error)
    form = TransitionForm(request.POST, model=object_type.model, step=planned.step, record=obj)
    if form.is_valid():
        try:
            moved = board.move(
                obj,
                planned,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                typed=form.data_fields(),
            )
        except DomainError as error:
            if not set(error.fields) & set(planned.step.required):
                return _refused(error)
            show_domain_error(form, error)
        else:
            return _moved(request, query, moved, planned, source, target)
    context = {
        **_context(request, query),
        "form": form,
        "step": planned.step,
        "record": obj,
        "target_key": board.key(target.value),
        "asked": set(form.errors) & set(planned.step.required),
        "move_url": request.get_full_path(),
    }
    response = render(request, _templates(query, "dialog"), context, status=422)
    return reswap(retarget(response, DIALOG), "innerHTML")


def _refused(error: DomainError) -> HttpResponse:
    """Why a move may not be made: a toast; the card goes back where it was."""
    # Field rules broken by the record are named; a refusal says it all itself.
    details = [m for ms in error.fields.values() for m in ms] if error.code == "invalid" else []
    response = HttpResponse(status=error.status)
    message = " ".join([error.message, *details])
    trigger_client_event(response, "toast", {"level": "error", "message": message})
    return reswap(response, "none")


def _moved(request, query: board.BoardQuery, moved, planned: board.Move, source, target):
    """The moved card (none when the board's filters no longer show it) and the headers of
    the columns it left and entered, with a toast saying what was done."""
    moved_between = list(dict.fromkeys(c for c in (source, target) if c is not None))
    found = board.totals(query, moved_between)
    headers = [
        board.ShownColumn(one, board.key(one.value), found[board.key(one.value)])
        for one in moved_between
    ]
    context = {
        **_context(request, query),
        "card": board.card(query, moved.pk),
        "headers": headers,
    }
    response = render(request, _templates(query, "moved"), context)
    message = _("“%(name)s”: %(action)s, now %(state)s.") % {
        "name": moved,
        "action": planned.step.label,
        "state": target.label,
    }
    trigger_client_event(response, "toast", {"level": "success", "message": message})
    return response

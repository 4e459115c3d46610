"""Generic pages every registered type gets: list, detail, create, edit, delete, recycle bin,
export, bulk actions, saved views, comments and attachments. Each view is thin: it reads
through `visible_to`, parses a form and calls one service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from crm.core import (
    access,
    exports,
    extensions,
    links,
    lists,
    masking,
    paging,
    params,
    registry,
    selection,
    services,
    timeline,
)
from crm.core.errors import AccessDenied, DomainError
from crm.core.forms import (
    AttachmentForm,
    CommentForm,
    SavedViewForm,
    SharingForm,
    TransitionForm,
    show_domain_error,
)
from crm.core.models import Attachment, Collaborator, Share
from crm.core.views.editing import expected_version, form_page, go_to, same_site
from crm.core.views.lines import errors_on_lines, line_formset, stored_table


def render_page(request, template: str | list[str], context: dict, partial: str | None = None):
    """The whole page, or only `partial` when htmx asks for a fragment of it; of several
    templates, the first there is (holding the partial)."""
    names = [template] if isinstance(template, str) else template
    if partial and request.htmx and not request.htmx.boosted and request.htmx.target:
        return render(request, [f"{name}#{partial}" for name in names], context)
    return render(request, names, context)


def type_templates(object_type, page: str) -> list[str]:
    """A type's own `<app>/<model>_<page>.html` (extending core's and filling its blocks)
    first, then `core/<page>.html`. A fragment of the page comes from the type's template
    when it defines that partial itself, else from core's."""
    return [f"{object_type.app_label}/{object_type.key}_{page}.html", f"core/{page}.html"]


def _visible(object_type, user, pk):
    return get_object_or_404(object_type.model.objects.visible_to(user), pk=pk)


PANEL = "_panel"  # asks the list page for one lazily loaded panel


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", settings.CRM_PAGE_SIZES[0]))
    except ValueError:
        size = settings.CRM_PAGE_SIZES[0]
    return size if size in settings.CRM_PAGE_SIZES else settings.CRM_PAGE_SIZES[0]


def _without(params: QueryDict, *keys: str) -> str:
    params = params.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


@login_required
def list_view(request, type_key: str):
    object_type = registry.get(type_key)
    if not access.can(request.user, "view", object_type.model):
        raise PermissionDenied
    qs, query = lists.build(object_type, request.user, request.GET)
    page = paging.paginate(
        qs,
        query.ordering,
        fields=lists.value_fields(query.columns),
        limit=_page_size(request),
        cursor=request.GET.get("cursor"),
        parts=query.parts,
    )
    count, more = paging.capped_count(qs, settings.CRM_COUNT_CAP, query.parts)
    formatter = lists.Formatter(
        object_type,
        query.columns,
        page.rows,
        query.custom_fields,
        hidden=masking.on_pages(object_type),
    )
    SavedSearch = extensions.customization().SavedSearch

    saved_views = SavedSearch.objects.visible_to(request.user).filter(
        content_type=ContentType.objects.get_for_model(object_type.model)
    )
    context = {
        "object_type": object_type,
        "query": query,
        "rows": formatter.rows(page.rows),
        "page": page,
        "count": count,
        "count_more": more,
        "saved_views": saved_views,
        "available_columns": lists.available_columns(object_type, query.custom_fields),
        "chosen_columns": [c.name for c in query.columns],
        "page_sizes": settings.CRM_PAGE_SIZES,
        "per_page": _page_size(request),
        "base_query": _without(request.GET, "cursor", PANEL),
        "sort_query": _without(request.GET, "cursor", "ordering", PANEL),
        "saved_query": _without(request.GET, "cursor", PANEL, "view"),
        "can_create": access.can_create(request.user, object_type.model),
        "can_export": access.can(request.user, "export", object_type.model),
        "can_import": access.can(request.user, "import", object_type.model),
        "can_delete": access.can(request.user, "delete", object_type.model),
        "orderings": _ordering_choices(object_type),
        # Filters and saved views render (and query) only when shown.
        "custom_filters": lambda: lists.custom_filters(query),
        "filters_active": lists.filters_active(query),
        "view_links": _view_links(object_type, request.user),
    }
    templates = type_templates(object_type, "list")
    panel = request.GET.get(PANEL)
    if panel in ("filters", "views"):
        return render(request, [f"{name}#{panel}" for name in templates], context)
    return render_page(request, templates, context, partial="results")


def _view_links(object_type, user) -> list[dict]:
    """The type's extra pages over the whole list (a board …) that `user` may open."""
    return [
        {"view": view, "url": reverse(object_type.url_name(view.name))}
        for view in object_type.views
        if not view.record and view.label and access.can(user, view.permission, object_type.model)
    ]


def _ordering_choices(object_type) -> list[tuple[str, str]]:
    choices = []
    for value in object_type.orderings:
        name = value.lstrip("-")
        column = object_type.column(name)
        label = (
            column.label
            if column
            else capfirst(object_type.model._meta.get_field(name).verbose_name)
        )
        choices.append((value, f"{label} {'↓' if value.startswith('-') else '↑'}"))
    return choices


@login_required
def detail_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    related = timeline.foreign_keys(object_type.model, object_type.detail_fields)
    obj = get_object_or_404(
        object_type.model.objects.visible_to(request.user).select_related(*related), pk=pk
    )
    fields_for = extensions.customization().fields_for

    custom_fields = fields_for(object_type.model)
    hidden = masking.on_pages(object_type)
    context = {
        "object_type": object_type,
        "object": obj,
        "fields": timeline.detail_fields(obj, object_type.detail_fields, hidden),
        "custom_values": timeline.custom_values(obj, custom_fields, hidden),
        "attachments": Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("uploaded_by"),
        "timeline": timeline.entries(obj, request.user, hidden=hidden),
        "related_to": links.target(obj, request.user),
        "can_edit": object_type.model.objects.editable_by(request.user).filter(pk=obj.pk).exists(),
        "can_delete": access.can(request.user, "delete", object_type.model),
        "locked": services.lock_reason(obj),
        "can_unmask": access.has_special(request.user, "unmask"),
        "related": [
            (rel, reverse(object_type.url_name("related"), args=[obj.pk, rel.type_key]))
            for rel in object_type.related
        ],
        "comment_form": CommentForm(),
        "attachment_form": AttachmentForm(),
        "panels": _panels(object_type, obj, request.user),
        "actions": _actions(object_type, obj, request.user),
    }
    if object_type.state_machine:
        context.update(_transitions(object_type, obj, request.user, context["can_edit"]))
    if object_type.lines:
        context["lines"] = stored_table(object_type, obj)
    return render(request, type_templates(object_type, "detail"), context)


def _panels(object_type, obj, user) -> list[dict]:
    """The type's panels `user` is shown, in order, each with the data its template takes."""
    return [
        {"panel": panel, "data": panel.context(obj, user) if panel.context else {}}
        for panel in sorted(object_type.panels, key=lambda p: p.order)
        if panel.permission is None or access.can(user, panel.permission, object_type.model)
    ]


def _actions(object_type, obj, user) -> list[dict]:
    """The type's buttons `user` may press on this record now, with their addresses."""
    return [
        {
            "action": action,
            "url": reverse(action.url_name or object_type.url_name(action.view), args=[obj.pk]),
        }
        for action in object_type.actions
        if access.can(user, action.permission, object_type.model)
        and (action.when is None or action.when(obj, user))
    ]


@login_required
def type_view(request, type_key: str, view_name: str, pk: int | None = None):
    """An extra page a type declares (`registry.TypeView`): the record is fetched (404 when
    not seen) and the permission checked here, the rest is the type's own view."""
    object_type = registry.get(type_key)
    view = next(v for v in object_type.views if v.name == view_name)
    obj = None if pk is None else _visible(object_type, request.user, pk)
    if not access.can(request.user, view.permission, object_type.model):
        raise PermissionDenied
    if obj is None:
        return view.view(request, object_type)
    return view.view(request, object_type, obj)


def _transitions(object_type, obj, user, can_edit: bool) -> dict:
    """The record's state and the transitions `user` may start from it, each with the
    reason a rule refuses it now (None when it may go ahead) and the form it takes."""
    machine = object_type.state_machine
    steps = [
        step
        for step in machine.leaving(getattr(obj, machine.field))
        if step.offered and can_edit and access.can(user, step.action, object_type.model)
    ]
    return {
        "state": machine.state(getattr(obj, machine.field)),
        "transitions": [
            {
                "step": step,
                "refusal": services.transition_refusal(obj, step, actor=user),
                "form": TransitionForm(model=object_type.model, step=step, record=obj),
            }
            for step in steps
        ],
    }


@login_required
@require_POST
def transition_view(request, type_key: str, pk: int, name: str):
    """Move the record along one of its transitions; back on its page a toast says what
    became of it, or why not."""
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    machine = object_type.state_machine
    step = machine.transition(name) if machine else None
    if step is None or not step.offered:
        raise Http404
    form = TransitionForm(request.POST, model=object_type.model, step=step, record=obj)
    detail = reverse(object_type.url_name("detail"), args=[pk])
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return go_to(request, detail)
    try:
        services.transition(
            obj,
            name,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            **form.data_fields(),
        )
    except AccessDenied:
        raise PermissionDenied from None
    except DomainError as error:
        # Field rules broken by what was typed are named; a refusal says it all itself.
        details = [m for ms in error.fields.values() for m in ms] if error.code == "invalid" else []
        messages.error(request, " ".join([error.message, *details]))
    else:
        state = machine.state(step.target)
        messages.success(
            request,
            _("“%(name)s”: %(action)s, now %(state)s.")
            % {"name": obj, "action": step.label, "state": state.label},
        )
    return go_to(request, detail)


@login_required
def related_view(request, type_key: str, pk: int, related_key: str):
    """A related-records tab of a detail page (loaded by htmx)."""
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    relation = next((r for r in object_type.related if r.type_key == related_key), None)
    if relation is None:
        raise PermissionDenied
    related_type = registry.get(related_key)
    qs = related_type.model.objects.visible_to(request.user).filter(**{relation.fk: obj})
    columns = [c for c in related_type.columns if c.name in relation.columns]
    page = paging.paginate(
        qs, related_type.default_ordering, fields=lists.value_fields(columns), limit=50
    )
    formatter = lists.Formatter(
        related_type, columns, page.rows, hidden=masking.on_pages(related_type)
    )
    context = {
        "relation": relation,
        "related_type": related_type,
        "object": obj,
        "columns": columns,
        "rows": formatter.rows(page.rows),
        "more": page.next_cursor is not None,
        "list_url": f"{reverse(related_type.url_name('list'))}?{relation.fk}={obj.pk}",
        "create_url": f"{reverse(related_type.url_name('create'))}?{relation.fk}={obj.pk}",
    }
    return render(request, "core/_related.html", context)


@login_required
def timeline_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    context = {
        "object_type": object_type,
        "object": obj,
        "timeline": timeline.entries(
            obj,
            request.user,
            before=params.moment(request.GET.get("before"), "before"),
            hidden=masking.on_pages(object_type),
        ),
    }
    return render(request, "core/_timeline_items.html", context)


def _form(object_type, request, instance, data=None):
    fields_for = extensions.customization().fields_for

    initial = {}
    if not instance.pk:
        # "Add contact" from a customer's page: ?customer=<id> preselects it.
        initial = {k: v for k, v in request.GET.items() if k in object_type.form.Meta.fields}
    return object_type.form(
        data,
        request.FILES or None,
        instance=instance,
        initial=initial,
        user=request.user,
        custom_fields=fields_for(object_type.model),
    )


@login_required
def form_view(request, type_key: str, pk: int | None = None):
    object_type = registry.get(type_key)
    if pk is None:
        if not access.can_create(request.user, object_type.model):
            raise PermissionDenied
        instance = object_type.model()
    else:
        instance = _visible(object_type, request.user, pk)
        if not object_type.model.objects.editable_by(request.user).filter(pk=pk).exists():
            raise PermissionDenied
        locked = services.lock_reason(instance)
        if locked:  # not a form to fill in vain: its page says why
            messages.error(request, locked)
            return go_to(request, reverse(object_type.url_name("detail"), args=[pk]))
    form = _form(object_type, request, instance, request.POST if request.method == "POST" else None)
    if form.revealed:  # a holder of "unmask" sees the numbers in full: logged as shown
        services.log_disclosures(instance, form.revealed, actor=request.user)
    lines = (
        line_formset(object_type, instance, request.user, request.POST)
        if object_type.lines
        else None
    )

    def save(form):
        obj = form.save(commit=False)
        obj.custom_field_data = form.custom_field_values()
        with errors_on_lines(lines):
            typed_lines = lines.values() if lines else None
            services.save(
                obj, actor=request.user, expected_version=expected_version(form), lines=typed_lines
            )

    partial = "#form" if request.htmx and request.method == "POST" else ""
    return form_page(
        request,
        form,
        save,
        template=[f"{name}{partial}" for name in type_templates(object_type, "form")],
        context={"object_type": object_type, "object": instance if pk else None, "lines": lines},
        message=lambda obj: _saved_message(object_type, obj),
        next_url=lambda obj: reverse(object_type.url_name("detail"), args=[obj.pk]),
    )


def _saved_message(object_type, obj) -> str:
    """What a save tells the user, with the changes it sent for approval."""
    text = _("%(type)s “%(name)s” saved.") % {"type": object_type.label, "name": obj}
    held = {request.approvable for request in getattr(obj, "held_approvals", ())}
    for approvable in object_type.approvals:
        if approvable.key in held:
            text += " " + _(
                "The %(approval)s waits for approval; the stored value stays until it is approved."
            ) % {"approval": str(approvable.label).lower()}
    return text


@login_required
@require_POST
def delete_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    version = request.POST.get("version")
    try:
        services.delete(
            obj,
            actor=request.user,
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("detail"), args=[pk]))
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": obj})
    return go_to(request, reverse(object_type.url_name("list")))


def _deleted(object_type, user):
    return object_type.model.all_objects.visible_to(user).filter(deleted_at__isnull=False)


@login_required
def trash_view(request, type_key: str):
    object_type = registry.get(type_key)
    qs = _deleted(object_type, request.user)
    columns = [c for c in object_type.columns if c.name in object_type.default_columns][:4]
    page = paging.paginate(
        qs,
        "-deleted_at",
        fields=[*lists.value_fields(columns), "deleted_at", "deleted_by_id"],
        limit=50,
        cursor=request.GET.get("cursor"),
    )
    formatter = lists.Formatter(
        object_type, columns, page.rows, hidden=masking.on_pages(object_type)
    )
    context = {
        "object_type": object_type,
        "columns": columns,
        "rows": formatter.rows(page.rows),
        "deleted_at": {r["id"]: lists.display("datetime", r["deleted_at"]) for r in page.rows},
        "page": page,
        "can_purge": access.can_purge(request.user, object_type.model),
    }
    return render_page(request, "core/trash.html", context, partial="results")


@login_required
@require_POST
def restore_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    obj = get_object_or_404(_deleted(object_type, request.user), pk=pk)
    try:
        services.restore(obj, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("trash")))
    messages.success(request, _("“%(name)s” restored.") % {"name": obj})
    return go_to(request, reverse(object_type.url_name("detail"), args=[pk]))


@login_required
@require_POST
def restore_selected_view(request, type_key: str):
    """Restore the records selected in the recycle bin."""
    object_type = registry.get(type_key)
    ids = params.record_ids(request.POST.getlist("ids"), "ids")
    outcome = selection.restore(object_type.model, ids, actor=request.user)
    say = messages.success if outcome.done and not outcome.refused else messages.warning
    say(request, selection.restored_message(outcome))
    return go_to(request, reverse(object_type.url_name("trash")))


@login_required
@require_POST
def purge_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    obj = get_object_or_404(_deleted(object_type, request.user), pk=pk)
    try:
        services.purge(obj, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” erased for good.") % {"name": obj})
    return go_to(request, reverse(object_type.url_name("trash")))


@login_required
def export_view(request, type_key: str):
    """The current list (filters, search, sort, columns) as CSV or XLSX, streamed."""
    object_type = registry.get(type_key)
    if not access.can(request.user, "export", object_type.model):
        raise PermissionDenied
    qs, query = lists.build(object_type, request.user, request.GET)
    fmt, with_lines = request.GET.get("format", "xlsx"), request.GET.get("lines") == "1"
    return exports.response(object_type, qs, query, fmt, with_lines=with_lines)


@login_required
@require_POST
def bulk_view(request, type_key: str):
    """Bulk actions on the selected rows: delete, or export."""
    object_type = registry.get(type_key)
    ids = params.record_ids(request.POST.getlist("ids"), "ids")
    action = request.POST.get("action")
    if action == "export":
        query = QueryDict(mutable=True)
        query.setlist("ids", [str(i) for i in ids])
        query["format"] = request.POST.get("format", "xlsx")
        return redirect(f"{reverse(object_type.url_name('export'))}?{query.urlencode()}")
    if action != "delete":
        raise PermissionDenied
    outcome = selection.delete(object_type.model, ids, actor=request.user)
    say = messages.success if outcome.done and not outcome.refused else messages.warning
    say(request, selection.deleted_message(outcome))
    back = same_site(request, request.POST.get("back"), reverse(object_type.url_name("list")))
    return go_to(request, back)


@login_required
@require_POST
def save_view_view(request, type_key: str):
    """Save the current list state as a named view (检索方案), private or shared."""
    SavedSearch = extensions.customization().SavedSearch

    object_type = registry.get(type_key)
    form = SavedViewForm(request.POST)
    list_url = reverse(object_type.url_name("list"))
    if not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return go_to(request, list_url)
    view = SavedSearch(
        user=request.user,
        content_type=ContentType.objects.get_for_model(object_type.model),
        name=form.cleaned_data["name"],
        query=form.cleaned_data["query"],
        shared=form.cleaned_data["shared"],
    )
    try:
        services.save(view, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, list_url)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return go_to(request, f"{list_url}?{view.query}&view={view.pk}")


@login_required
@require_POST
def delete_saved_view(request, type_key: str, view_id: int):
    SavedSearch = extensions.customization().SavedSearch

    object_type = registry.get(type_key)
    view = get_object_or_404(SavedSearch.objects.editable_by(request.user), pk=view_id)
    services.delete_config(view, actor=request.user)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return go_to(request, reverse(object_type.url_name("list")))


@login_required
@require_POST
def comment_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    form = CommentForm(request.POST)
    unreached: list[str] = []
    if form.is_valid():
        _comment, unreached = timeline.post_comment(
            obj,
            form.cleaned_data["body"],
            actor=request.user,
            mentions=form.cleaned_data["mentions"],
        )
    hidden = masking.on_pages(object_type)
    context = {
        "object_type": object_type,
        "object": obj,
        "timeline": timeline.entries(obj, request.user, hidden=hidden),
    }
    response = render(request, "core/_timeline.html", context)
    if unreached:
        message = _("Not notified, as they may not see this record: %(names)s") % {
            "names": ", ".join(unreached)
        }
        trigger_client_event(response, "toast", {"level": "warning", "message": message})
    return response


@login_required
@require_POST
def attach_view(request, type_key: str, pk: int):
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.attach_file(obj, form.cleaned_data["file"], actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("File attached."))
    return go_to(request, reverse(object_type.url_name("detail"), args=[pk]))


@login_required
def attachment_view(request, type_key: str, pk: int, attachment_id: int):
    """Download an attachment; only for those who see the record."""
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    attachment = get_object_or_404(
        Attachment,
        pk=attachment_id,
        object_id=obj.pk,
        content_type=ContentType.objects.get_for_model(obj),
    )
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def unmask_view(request, type_key: str, pk: int, field: str):
    """Show one masked value in full (an htmx fragment); the showing is logged."""
    object_type = registry.get(type_key)
    obj = _visible(object_type, request.user, pk)
    try:
        value = services.unmask_field(obj, field, actor=request.user)
    except DomainError:
        raise PermissionDenied from None
    return render(request, "core/_unmasked.html", {"field": field, "value": value})


def _sharing_context(request, object_type, obj, form=None) -> dict:
    content_type = ContentType.objects.get_for_model(obj)
    link = {"content_type": content_type, "object_id": obj.pk}
    return {
        "object_type": object_type,
        "object": obj,
        "collaborators": Collaborator.objects.filter(**link).select_related("user"),
        "shares": Share.objects.filter(**link).select_related("user", "team", "department"),
        "can_share": object_type.model.objects.editable_by(request.user).filter(pk=obj.pk).exists(),
        "sharing_form": form or SharingForm(),
    }


@login_required
def sharing_view(request, type_key: str, pk: int):
    """Collaborators (协作员工) and shares of a record: listed, added, taken back."""
    object_type = registry.get(type_key)
    if not object_type.shareable:
        raise Http404
    obj = _visible(object_type, request.user, pk)
    form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            link_id = params.record_id(request.POST.get("id"), "id")
        try:
            if action in ("collaborate", "share"):
                form = SharingForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    if action == "collaborate" and data["user"]:
                        services.add_collaborator(obj, data["user"], actor=request.user)
                    else:
                        target = {k: data[k] for k in ("user", "team", "department") if data[k]}
                        services.share_record(
                            obj, actor=request.user, can_edit=data["can_edit"], **target
                        )
                    form = None
            elif action == "remove":
                model = Collaborator if request.POST.get("kind") == "collaborator" else Share
                link = get_object_or_404(
                    model,
                    pk=link_id,
                    object_id=obj.pk,
                    content_type=ContentType.objects.get_for_model(obj),
                )
                services.remove_access(obj, link, actor=request.user)
        except DomainError as error:
            form = form or SharingForm(request.POST)
            show_domain_error(form, error)
    return render(request, "core/_sharing.html", _sharing_context(request, object_type, obj, form))

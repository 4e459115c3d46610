"""Settings pages: data dictionaries, custom fields, numbering rules and exchange rates."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core import access, registry
from crm.core import services as core_services
from crm.core.errors import DomainError
from crm.core.money import company_currency
from crm.core.views.editing import (
    expected_version,
    form_page,
    go_to,
    paginate,
    posted,
    special_required,
)
from crm.customization import services
from crm.customization.forms import (
    CustomFieldForm,
    DictionaryForm,
    DictionaryItemForm,
    ExchangeRateFilterForm,
    ExchangeRateForm,
    NumberingRuleForm,
)
from crm.customization.models import (
    CustomField,
    Dictionary,
    DictionaryItem,
    ExchangeRate,
    NumberingRule,
)
from crm.customization.numbering import peek_number

manages_settings = special_required("manage_settings")


@login_required
def index(request):
    """The settings start page: what can be configured, and where."""
    return render(
        request,
        "customization/index.html",
        {
            "can_edit": access.has_special(request.user, "manage_settings"),
        },
    )


# Data dictionaries ----------------------------------------------------------------------


@login_required
def dictionary_list(request):
    dictionaries = (
        Dictionary.objects.visible_to(request.user)
        .annotate(item_count=Count("items"))
        .order_by("-is_system", "code")
    )
    return render(
        request,
        "customization/dictionary_list.html",
        {
            "dictionaries": dictionaries,
            "can_edit": access.has_special(request.user, "manage_settings"),
        },
    )


@login_required
def dictionary_detail(request, pk):
    dictionary = get_object_or_404(Dictionary.objects.visible_to(request.user), pk=pk)
    items = DictionaryItem.objects.visible_to(request.user).filter(dictionary=dictionary)
    items = list(items.order_by("sort_order", "id"))
    return render(
        request,
        "customization/dictionary_detail.html",
        {
            "dictionary": dictionary,
            "items": items,
            "last_index": len(items) - 1,
            "can_edit": access.has_special(request.user, "manage_settings"),
        },
    )


def _dictionary_form(request, dictionary):
    return form_page(
        request,
        DictionaryForm(posted(request), instance=dictionary),
        lambda form: services.save_dictionary(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="customization/dictionary_form.html",
        context={"dictionary": dictionary if dictionary.pk else None},
        message=lambda obj: _("Dictionary “%(name)s” saved.") % {"name": obj},
        next_url=lambda obj: reverse("customization:dictionary_detail", args=[obj.pk]),
    )


@manages_settings
def dictionary_create(request):
    return _dictionary_form(request, Dictionary())


@manages_settings
def dictionary_edit(request, pk):
    return _dictionary_form(
        request, get_object_or_404(Dictionary.objects.visible_to(request.user), pk=pk)
    )


def _item_form(request, dictionary, item):
    return form_page(
        request,
        DictionaryItemForm(posted(request), instance=item),
        lambda form: services.save_dictionary_item(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="customization/dictionaryitem_form.html",
        context={"dictionary": dictionary, "item": item if item.pk else None},
        message=lambda obj: _("Item “%(label)s” saved.") % {"label": obj},
        next_url=reverse("customization:dictionary_detail", args=[dictionary.pk]),
    )


@manages_settings
def dictionaryitem_create(request, pk):
    dictionary = get_object_or_404(Dictionary.objects.visible_to(request.user), pk=pk)
    return _item_form(request, dictionary, DictionaryItem(dictionary=dictionary))


def _visible_item(request, pk) -> DictionaryItem:
    return get_object_or_404(
        DictionaryItem.objects.visible_to(request.user).select_related("dictionary"), pk=pk
    )


@manages_settings
def dictionaryitem_edit(request, pk):
    item = _visible_item(request, pk)
    return _item_form(request, item.dictionary, item)


def _back_to_dictionary(request, item: DictionaryItem, exc: DomainError | None = None):
    if exc is not None:
        messages.error(request, exc.message)
    return redirect("customization:dictionary_detail", pk=item.dictionary_id)


@require_POST
@manages_settings
def dictionaryitem_move(request, pk, direction):
    """Move an item one place up or down (the non-drag way to reorder)."""
    item = _visible_item(request, pk)
    if direction not in {"up", "down"}:
        raise Http404
    try:
        services.move_dictionary_item(
            item, actor=request.user, offset=-1 if direction == "up" else 1
        )
    except DomainError as exc:
        return _back_to_dictionary(request, item, exc)
    return _back_to_dictionary(request, item)


@require_POST
@manages_settings
def dictionaryitem_toggle(request, pk):
    """Deactivate an active item (kept on records, hidden from new choices) or reactivate it."""
    item = _visible_item(request, pk)
    item.is_active = not item.is_active
    try:
        services.save_dictionary_item(item, actor=request.user)
    except DomainError as exc:
        return _back_to_dictionary(request, item, exc)
    if item.is_active:
        messages.success(request, _("Item “%(label)s” is active again.") % {"label": item})
    else:
        messages.success(request, _("Item “%(label)s” deactivated.") % {"label": item})
    return _back_to_dictionary(request, item)


# Custom fields ------------------------------------------------------------------------


def _object_type(key: str) -> registry.ObjectType:
    try:
        return registry.get(key)
    except KeyError:
        raise Http404 from None


@login_required
def customfield_list(request):
    """The registered object types with how many custom fields each has."""
    types = registry.all_types()
    content_types = ContentType.objects.get_for_models(*[t.model for t in types])
    counts = dict(
        CustomField.objects.visible_to(request.user)
        .order_by()
        .values("content_type_id")
        .annotate(n=Count("pk"))
        .values_list("content_type_id", "n")
    )
    rows = [{"type": t, "count": counts.get(content_types[t.model].pk, 0)} for t in types]
    return render(request, "customization/customfield_list.html", {"rows": rows})


@login_required
def customfield_type_list(request, type_key):
    object_type = _object_type(type_key)
    content_type = ContentType.objects.get_for_model(object_type.model)
    fields = (
        CustomField.objects.visible_to(request.user)
        .filter(content_type=content_type)
        .select_related("dictionary")
        .order_by("sort_order", "id")
    )
    return render(
        request,
        "customization/customfield_type_list.html",
        {
            "object_type": object_type,
            "fields": fields,
            "can_edit": access.has_special(request.user, "manage_settings"),
        },
    )


def _custom_field_form(request, object_type, field):
    type_locked = bool(field.pk) and services.custom_field_has_values(field)
    return form_page(
        request,
        CustomFieldForm(
            posted(request), instance=field, user=request.user, type_locked=type_locked
        ),
        lambda form: services.save_custom_field(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="customization/customfield_form.html",
        context={"object_type": object_type, "field": field if field.pk else None},
        message=lambda obj: _("Custom field “%(label)s” saved.") % {"label": obj.label},
        next_url=reverse("customization:customfield_type_list", args=[object_type.key]),
    )


@manages_settings
def customfield_create(request, type_key):
    object_type = _object_type(type_key)
    content_type = ContentType.objects.get_for_model(object_type.model)
    return _custom_field_form(request, object_type, CustomField(content_type=content_type))


@manages_settings
def customfield_edit(request, pk):
    field = get_object_or_404(
        CustomField.objects.visible_to(request.user).select_related("content_type"), pk=pk
    )
    model = field.content_type.model_class()
    object_type = registry.for_model(model) if model is not None else None
    if object_type is None:
        raise Http404
    return _custom_field_form(request, object_type, field)


# Numbering rules ------------------------------------------------------------------------


@login_required
def numberingrule_list(request):
    """Each registered type with its rule, or a note that its records are not numbered."""
    types = registry.all_types()
    content_types = ContentType.objects.get_for_models(*[t.model for t in types])
    rules = {
        r.content_type_id: r
        for r in NumberingRule.objects.visible_to(request.user).filter(
            content_type__in=list(content_types.values())
        )
    }
    rows = []
    for object_type in types:
        rule = rules.get(content_types[object_type.model].pk)
        rows.append(
            {
                "type": object_type,
                "rule": rule,
                "next": peek_number(rule) if rule is not None else "",
            }
        )
    return render(
        request,
        "customization/numberingrule_list.html",
        {
            "rows": rows,
            "can_edit": access.has_special(request.user, "manage_settings"),
        },
    )


def _rule_for(request, object_type) -> NumberingRule:
    content_type = ContentType.objects.get_for_model(object_type.model)
    rule = NumberingRule.objects.visible_to(request.user).filter(content_type=content_type).first()
    if rule is None:
        rule = NumberingRule(content_type=content_type, prefix=object_type.number_prefix or "")
    return rule


@manages_settings
def numberingrule_edit(request, type_key):
    object_type = _object_type(type_key)
    rule = _rule_for(request, object_type)
    form = NumberingRuleForm(posted(request), instance=rule)
    preview = _preview(rule, form) if form.is_bound else peek_number(rule)
    return form_page(
        request,
        form,
        lambda form: services.save_numbering_rule(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="customization/numberingrule_form.html",
        context={"object_type": object_type, "rule": rule, "preview": preview},
        message=lambda obj: _("Numbering of %(type)s saved.") % {"type": object_type.label_plural},
        next_url=reverse("customization:numberingrule_list"),
    )


def _preview(rule: NumberingRule, form: NumberingRuleForm) -> str:
    if not form.is_valid():
        return ""
    if not 1 <= (form.instance.width or 0) <= services.MAX_WIDTH:
        return ""
    return peek_number(form.instance)


@manages_settings
def numberingrule_preview(request, type_key):
    """The number the next record would get with the rule as typed (an htmx fragment)."""
    object_type = _object_type(type_key)
    rule = _rule_for(request, object_type)
    form = NumberingRuleForm(request.GET, instance=rule)
    preview = _preview(rule, form)
    if not preview:
        return HttpResponse(
            format_html(
                '<span class="text-secondary">{}</span>', _("Enter a valid rule to see a preview.")
            )
        )
    return HttpResponse(format_html("<code>{}</code>", preview))


# Exchange rates ---------------------------------------------------------------------------


@login_required
def exchangerate_list(request):
    """The rates, newest first, of one currency or all."""
    filters = ExchangeRateFilterForm(request.GET or None)
    rates = (
        ExchangeRate.objects.visible_to(request.user)
        .select_related("updated_by")
        .order_by("-valid_from", "currency", "-pk")
    )
    if filters.is_valid() and filters.cleaned_data["currency"]:
        rates = rates.filter(currency=filters.cleaned_data["currency"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "customization/exchangerate_list.html",
        {
            "filters": filters,
            "page": paginate(request, rates),
            "query": query.urlencode(),
            "company_currency": company_currency(),
            "can_edit": access.has_special(request.user, "manage_settings"),
        },
    )


def _exchange_rate_form(request, rate):
    return form_page(
        request,
        ExchangeRateForm(posted(request), instance=rate),
        lambda form: core_services.save(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="customization/exchangerate_form.html",
        # As saved: the form changes `rate` as it validates what was typed.
        context={"rate": copy.copy(rate) if rate.pk else None},
        message=lambda obj: (
            _("Exchange rate of %(currency)s from %(date)s saved.")
            % {"currency": obj.currency, "date": obj.valid_from.isoformat()}
        ),
        next_url=reverse("customization:exchangerate_list"),
    )


@manages_settings
def exchangerate_create(request):
    # No currency until one is chosen: the field's default, the company's, needs no rate.
    return _exchange_rate_form(request, ExchangeRate(currency="", valid_from=timezone.localdate()))


def _visible_rate(request, pk) -> ExchangeRate:
    return get_object_or_404(ExchangeRate.objects.visible_to(request.user), pk=pk)


@manages_settings
def exchangerate_edit(request, pk):
    return _exchange_rate_form(request, _visible_rate(request, pk))


@require_POST
@manages_settings
def exchangerate_delete(request, pk):
    rate = _visible_rate(request, pk)
    core_services.delete_config(rate, actor=request.user)
    messages.success(
        request,
        _("Exchange rate of %(currency)s from %(date)s deleted.")
        % {"currency": rate.currency, "date": rate.valid_from.isoformat()},
    )
    return go_to(request, reverse("customization:exchangerate_list"))

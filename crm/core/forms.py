"""The base form of registered types: version for optimistic locking, custom fields, scoped
choices and Bootstrap widgets. App forms subclass `RecordForm` and list their fields."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.templatetags.static import static
from django.urls import reverse
from django.utils.choices import BlankChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.core import access, binding, extensions, masking, people, registry
from crm.core.errors import DomainError

# What a select shows while nothing is chosen, instead of Django's "---------".
EMPTY_CHOICE = _("Choose…")
DJANGO_EMPTY_CHOICE = "---------"


SELECT, OPTION = "django/forms/widgets/select.html", "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    """Django's form renderer (settings.FORM_RENDERER), but selects are written here rather
    than by one template per option: a filter offering a thousand owners took 100 ms."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT and all(
            option["template_name"] == OPTION
            for _group, options, _index in widget["optgroups"]
            for option in options
        ):
            return _select(widget)
        return super().render(template_name, context, request)


def _attributes(attrs: dict) -> SafeString:
    """A widget's attributes as Django's attrs.html writes them (False left out, True bare),
    each escaped by format_html."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


def _select(widget: dict) -> SafeString:
    """The select as Django's select.html and select_option.html write it, each part escaped
    by format_html."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _attributes(widget["attrs"]))]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(format_html('\n  <optgroup label="{}">', group))
        parts.extend(
            format_html(
                '\n  <option value="{}"{}>{}</option>',
                option["value"],
                _attributes(option["attrs"]),
                option["label"],
            )
            for option in options
        )
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


def name_empty_choice(field: forms.Field) -> None:
    """Let a select's "nothing chosen" read as a prompt rather than Django's dashes."""
    if getattr(field, "empty_label", None) == DJANGO_EMPTY_CHOICE:
        field.empty_label = EMPTY_CHOICE
    choices = getattr(field, "choices", None)
    if not isinstance(choices, list | BlankChoiceIterator):  # a callable stays lazy
        return
    blank = ("", DJANGO_EMPTY_CHOICE)
    if blank in choices:
        field.choices = [("", EMPTY_CHOICE) if c == blank else c for c in choices]


def style_widgets(form: forms.BaseForm) -> None:
    """Give every widget its Tabler/Bootstrap class, and mark fields with errors invalid;
    selects prompt "Choose…" while nothing is chosen.

    Safe to call again: after validation it only adds `is-invalid` where needed.
    """
    errors = getattr(form, "_errors", None) or {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        name_empty_choice(field)
        widget = _people_searched(field)
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = {"form-check-input"}
        elif isinstance(widget, forms.SelectMultiple):
            css = {"form-select", "tom-select"}
        elif isinstance(widget, forms.Select):
            css = {"form-select"}
        else:
            css = {"form-control"}
        classes = widget.attrs.get("class", "").split()
        classes += [c for c in sorted(css) if c not in classes]
        if name in errors and "is-invalid" not in classes:
            classes.append("is-invalid")
        widget.attrs["class"] = " ".join(classes)


def _people_searched(field: forms.Field) -> forms.Widget:
    """The widget of `field`: a choice of one user becomes a `PeopleSelect`."""
    widget = field.widget
    if (
        type(widget) is forms.Select
        and isinstance(field, forms.ModelChoiceField)
        and field.queryset is not None  # a form may set it after styling its widgets
        and field.queryset.model is get_user_model()
    ):
        searched = PeopleSelect(attrs=widget.attrs)
        searched.choices, searched.is_required = widget.choices, widget.is_required
        field.widget = widget = searched
    return widget


class StyledFormMixin:
    """Forms whose widgets look right in the Tabler layout, before and after validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def full_clean(self):
        super().full_clean()
        style_widgets(self)


class VersionField(forms.IntegerField):
    """The version the user read, sent back so that a stale edit is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


def show_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a refused action's messages on the form: next to their fields, else on top.

    Custom field errors (`custom_fields.<key>`) go to the form's `cf_<key>` fields.
    """
    placed: list[str] = []
    for name, messages in error.fields.items():
        target = (
            f"cf_{name[len('custom_fields.') :]}" if name.startswith("custom_fields.") else name
        )
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
            placed.append(str(message))
    shown = [*placed, *form.non_field_errors()]
    if (not placed or error.code != "invalid") and error.message not in shown:
        form.add_error(None, error.message)
    style_widgets(form)


def formfield_for(db_field, **kwargs):
    """Model fields as form fields; a web address typed without a scheme gets https://."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class RecordForm(StyledFormMixin, forms.ModelForm):
    """A ModelForm that knows the acting user and the record's custom fields."""

    version = VersionField()

    class Meta:
        formfield_callback = formfield_for

    def __init__(self, *args, user, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        form_field = extensions.customization().form_field

        self.user = user
        self.custom_fields = list(custom_fields)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        # Links whose choices are limited (active dictionary items): the one a record holds
        # stays offered on it, and is not checked again when sent back unchanged.
        self.kept_links = {
            f.name: getattr(self.instance, f.attname)
            for f in self.instance._meta.concrete_fields
            if isinstance(f, models.ForeignKey)
            and f.remote_field.limit_choices_to
            and f.name in self.fields
            and getattr(self.instance, f.attname) is not None
        }
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                # Choices are limited to what the user may see; a forged id is then invalid.
                field.queryset = binding.targets(field.queryset, user)
                if name in self.kept_links:
                    held = field.queryset.model._base_manager.filter(pk=self.kept_links[name])
                    field.queryset = field.queryset | held
        object_type = registry.for_model(type(self.instance))
        if object_type and object_type.state_machine:
            # The status moves only through its transitions (services.transition).
            for name in object_type.state_machine.fixed:
                self.fields.pop(name, None)
        # Holders of "unmask" see and edit numbers in full (`revealed`, to be logged);
        # everyone else sees them masked and may type a new number over one.
        unmasks = access.has_special(user, "unmask")
        own = [n for n in (object_type.masked if object_type else ()) if n in self.fields]
        data = self.instance.custom_field_data or {}
        custom = masking.custom_names(type(self.instance)) if self.custom_fields else frozenset()
        self.masked = [] if unmasks else own
        self.revealed: list[str] = []
        if unmasks and self.instance.pk and not self.is_bound:
            self.revealed = [n for n in own if getattr(self.instance, n)]
            self.revealed += [
                d.name for d in self.custom_fields if d.name in custom and data.get(d.name)
            ]
        for name in self.masked:
            if not self.is_bound and getattr(self.instance, name):
                self._show_masked(name, getattr(self.instance, name))
        for definition in self.custom_fields:
            key, stored = f"cf_{definition.name}", data.get(definition.name)
            self.fields[key] = form_field(definition)
            if definition.name in custom and stored and not unmasks:
                self._mask_custom(key, stored)
            elif definition.name in data:
                self.initial[key] = stored
            elif not self.instance.pk and definition.default is not None:
                self.initial[key] = definition.default
        style_widgets(self)

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        for name, stored in self.kept_links.items():
            field = self.instance._meta.get_field(name)
            if getattr(self.instance, field.attname) == stored:
                exclusions.add(name)
        return exclusions

    def _show_masked(self, name: str, stored) -> None:
        """Show a stored number masked; the browser selects it whole on focus (data-masked),
        so that typing replaces it."""
        self.initial[name] = masking.mask(stored)
        self.fields[name].widget.attrs["data-masked"] = self.initial[name]

    def _mask_custom(self, key: str, stored) -> None:
        """Show a masked custom number masked; sent back unchanged, it keeps the stored one
        (before the field's own checks, which the masked text would fail)."""
        if not self.is_bound:
            self._show_masked(key, stored)
        elif masking.is_masked_echo(self.data.get(key), stored):
            self.data = self.data.copy()
            self.data[key] = stored

    def clean(self):
        data = super().clean()
        for name in self.masked:
            if name in data:
                data[name] = binding.kept(data[name], getattr(self.instance, name))
        return data

    def custom_field_values(self) -> dict:
        """Cleaned custom values over the record's stored ones (unknown keys kept)."""
        to_json = extensions.customization().to_json

        cleaned = {
            d.name: to_json(self.cleaned_data.get(f"cf_{d.name}"), d) for d in self.custom_fields
        }
        # Masked numbers sent back were given their stored values before the field checks.
        return binding.merge_custom(self.instance, cleaned, masked=())

    @property
    def standard_fields(self):
        return [self[n] for n in self.fields if not n.startswith("cf_") and n != "version"]

    @property
    def custom_bound_fields(self):
        return [self[n] for n in self.fields if n.startswith("cf_")]


def form_for(
    model: type[models.Model], fields: tuple[str, ...], widgets: dict | None = None
) -> type[RecordForm]:
    """A type's form declared by its fields (a text field gets a few rows to type in, a
    date a date picker); `widgets` overrides, such as a `RemoteSelect` for a foreign key
    to a large table."""
    chosen: dict = {}
    for name in fields:
        field = model._meta.get_field(name)
        if isinstance(field, models.TextField):
            chosen[name] = forms.Textarea(attrs={"rows": 3})
        elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            chosen[name] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    chosen.update(widgets or {})
    meta = type(
        "Meta", (RecordForm.Meta,), {"model": model, "fields": list(fields), "widgets": chosen}
    )
    return type(f"{model.__name__}Form", (RecordForm,), {"Meta": meta})


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=100)
    shared = forms.BooleanField(label=_("Shared with everyone"), required=False)
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    """A comment; `mentions` holds the ids of the people chosen with @ while typing."""

    body = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    mentions = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_mentions(self) -> list[int]:
        ids = (part.strip() for part in self.cleaned_data["mentions"].split(","))
        return sorted({int(part) for part in ids if part.isdigit()})[:50]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class RemoteSelect(forms.Select):
    """A select that renders only its chosen option; the browser searches the API for more
    (Tom Select, `data-remote`), so a form stays small with a million customers. `detail`
    names fields of the API's items shown beside the name (a product's code and
    specification), where names alone do not tell records apart."""

    def __init__(self, api_path: str, attrs=None, detail: tuple[str, ...] = ()):
        attrs = {**(attrs or {}), "data-remote": api_path, "class": "tom-select"}
        if detail:
            attrs["data-remote-detail"] = " ".join(detail)
        super().__init__(attrs=attrs)

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if v not in (None, "")}
        choices = self.choices
        if isinstance(choices, ModelChoiceIterator):
            # Only the chosen records are read, not every record the user may choose from.
            choices = copy.copy(choices)
            choices.queryset = choices.queryset.filter(pk__in=[v for v in chosen if v.isdigit()])
        groups = []
        for index, (option_value, label) in enumerate(choices):
            key = str(getattr(option_value, "value", option_value))
            if key in chosen or key == "":
                groups.append(
                    (
                        None,
                        [
                            self.create_option(
                                name, option_value, label, key in chosen, index, attrs=attrs
                            )
                        ],
                        index,
                    )
                )
        return groups


class PeopleSelect(forms.Select):
    """A choice of one user: a select of them all, or, among more than `people.MANY`, only
    the chosen one, the others searched as the user types (a `RemoteSelect` over
    /people/). Decided when it is written: a form that is not shown reads nothing. The
    field still accepts only its own choices."""

    def get_context(self, name, value, attrs):
        choices = self.choices
        if isinstance(choices, ModelChoiceIterator) and people.many(choices.queryset):
            searched = RemoteSelect(reverse("people"), attrs=self.attrs)
            searched.attrs["class"] = f"{self.attrs.get('class', '')} tom-select".strip()
            searched.choices, searched.is_required = choices, self.is_required
            return searched.get_context(name, value, attrs)
        return super().get_context(name, value, attrs)


class DivisionSelect(forms.Select):
    """Province, city or district (`level`) of a Chinese address, chosen in cascade from the
    GB/T 2260 divisions (crm/static/crm/divisions.json) or typed freely for one abroad; the
    field stays text. Renders only the stored value: the browser offers the rest."""

    LEVELS = ("province", "city", "district")

    def __init__(self, level: str, attrs=None):
        if level not in self.LEVELS:
            raise ValueError(f"level must be one of {self.LEVELS}")
        super().__init__(attrs={**(attrs or {}), "class": "tom-select", "data-division": level})

    def get_context(self, name, value, attrs):
        self.choices = [("", "")] + ([(value, value)] if value else [])
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-source"] = static("crm/divisions.json")
        return context


class SharingForm(StyledFormMixin, forms.Form):
    """Add a collaborator, or share with a user, a team or a department."""

    user = forms.ModelChoiceField(label=_("User"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    can_edit = forms.BooleanField(label=_("May edit"), required=False)

    def __init__(self, *args, **kwargs):
        OrgUnit = extensions.organisation().OrgUnit
        Team = extensions.organisation().Team

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["team"].queryset = Team.objects.all()
        self.fields["department"].queryset = OrgUnit.objects.filter(is_active=True)
        style_widgets(self)


class TransitionForm(StyledFormMixin, forms.Form):
    """The version read and the fields a transition takes (a field already filled on the
    record may be left empty: the service checks what is still missing)."""

    version = VersionField()

    def __init__(self, *args, model, step, record=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_{step.name}_%s")
        super().__init__(*args, **kwargs)
        self.step = step
        narrowed = step.choices(record) if step.choices and record is not None else {}
        for name in step.takes:
            field = formfield_for(model._meta.get_field(name), required=False)
            field.widget.attrs["placeholder"] = field.label
            if name in narrowed:
                field.queryset = narrowed[name]
            if isinstance(field, forms.ModelChoiceField):
                # A choice with its name before one is made ("Stage…"), not a bare blank.
                field.empty_label = f"{capfirst(field.label)}…"
            self.fields[name] = field
        style_widgets(self)

    def data_fields(self) -> dict:
        """The fields to send to the transition: those typed in."""
        return {n: self.cleaned_data[n] for n in self.step.takes if self.cleaned_data.get(n)}

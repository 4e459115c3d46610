"""The base form of registered types: version for optimistic locking, custom fields, scoped
choices and Bootstrap widgets. App forms subclass `RecordForm` and list their fields."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.errors import DomainError


def style_widgets(form: forms.BaseForm) -> None:
    """Give every widget the Tabler/Bootstrap class it needs."""
    for name, bound in form.fields.items():
        widget = bound.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        if isinstance(widget, forms.SelectMultiple):
            widget.attrs["class"] += " tom-select"


def formfield_for(db_field, **kwargs):
    """Model fields as form fields; a web address typed without a scheme gets https://."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class RecordForm(forms.ModelForm):
    """A ModelForm that knows the acting user and the record's custom fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        formfield_callback = formfield_for

    def __init__(self, *args, user, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        from crm.customization.custom_fields import form_field

        self.user = user
        self.custom_fields = list(custom_fields)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        for field in self.fields.values():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if getattr(model, "access_policy", None) == "record":
                # Choices are limited to what the user may see; a forged id is then invalid.
                field.queryset = field.queryset.filter(
                    pk__in=model.objects.visible_to(user).values("pk")
                )
        data = self.instance.custom_field_data or {}
        for definition in self.custom_fields:
            self.fields[f"cf_{definition.name}"] = form_field(definition)
            if definition.name in data:
                self.initial[f"cf_{definition.name}"] = data[definition.name]
            elif not self.instance.pk and definition.default is not None:
                self.initial[f"cf_{definition.name}"] = definition.default
        style_widgets(self)

    def custom_field_values(self) -> dict:
        """Cleaned custom values over the record's stored ones (unknown keys kept)."""
        from crm.customization.custom_fields import to_json

        values = dict(self.instance.custom_field_data or {})
        for definition in self.custom_fields:
            values[definition.name] = to_json(
                self.cleaned_data.get(f"cf_{definition.name}"), definition
            )
        return values

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's error on the fields it names, or on the form."""
        if not error.fields:
            self.add_error(None, error.message)
            return
        for name, messages in error.fields.items():
            target = (
                name.replace("custom_fields.", "cf_") if name.startswith("custom_fields.") else name
            )
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
        style_widgets(self)

    @property
    def standard_fields(self):
        return [self[n] for n in self.fields if not n.startswith("cf_") and n != "version"]

    @property
    def custom_bound_fields(self):
        return [self[n] for n in self.fields if n.startswith("cf_")]


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    shared = forms.BooleanField(label=_("Shared with everyone"), required=False)
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class RemoteSelect(forms.Select):
    """A select that renders only its chosen option; the browser searches the API for more
    (Tom Select, `data-remote`), so a form stays small with a million customers."""

    def __init__(self, api_path: str, attrs=None):
        super().__init__(attrs={**(attrs or {}), "data-remote": api_path, "class": "tom-select"})

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if v not in (None, "")}
        groups = []
        for index, (option_value, label) in enumerate(self.choices):
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

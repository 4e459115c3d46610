"""Small pieces the settings pages share: admin-only views, Bootstrap forms, error display.

Used by the organisation and customization pages; a candidate for crm/core once the
platform's generic views settle on the same helpers.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator

from crm.core import access
from crm.core.errors import DomainError

PAGE_SIZE = 50


def admin_required(view):
    """Sign-in required; then anyone but an active superuser gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.is_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class BootstrapFormMixin:
    """Gives widgets Tabler/Bootstrap classes and marks fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self):
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class VersionField(forms.IntegerField):
    """The version the user read, sent back so a stale edit is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


def show_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Put a refused action's messages on the form: next to their fields, else on top."""
    placed: list[str] = []
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed.append(str(message))
    # The overall message goes on top unless the field messages already say it.
    shown = [*placed, *form.non_field_errors()]
    if (not placed or exc.code != "invalid") and exc.message not in shown:
        form.add_error(None, exc.message)
    if isinstance(form, BootstrapFormMixin):
        form.mark_invalid()


def paginate(request, queryset, size: int = PAGE_SIZE):
    """A bounded page of `queryset` from the ?page= parameter."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))

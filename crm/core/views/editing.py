"""What every create/edit page shares: a form, one service call, the refusal shown on the
form, and a confirmation. Also the special-permission guard and bounded settings lists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from crm.core import access
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error

SETTINGS_PAGE_SIZE = 50


def special_required(code: str):
    """Sign-in required; then anyone without the special permission `code` (or
    administrator rights) gets 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not access.has_special(request.user, code):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def paginate(request, queryset, size: int = SETTINGS_PAGE_SIZE):
    """A bounded page of a (small) settings list from ?page=."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def expected_version(form) -> int | None:
    """The version an edit form was opened at; None when it creates."""
    return form.cleaned_data.get("version") if form.instance.pk else None


def go_to(request, url: str):
    """A redirect, or for htmx a client-side redirect."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def same_site(request, url: str | None, fallback: str) -> str:
    """`url` when it leads to a page of this site, else `fallback`: a `next` or `back`
    the browser sends (or a header) never sends the user on to another site."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def form_page(
    request,
    form,
    save: Callable[[Any], Any],
    *,
    template: str | list[str],
    context: dict | None = None,
    message: Callable[[Any], str],
    next_url: str | Callable[[Any], str],
):
    """Show `form`; on a valid POST run `save(form)` (one service call).

    A DomainError lands on the form; success flashes `message(obj)` and goes to
    `next_url` (or `next_url(obj)`).
    """
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            obj = form.instance
            messages.success(request, message(obj))
            return go_to(request, next_url(obj) if callable(next_url) else next_url)
    return render(request, template, {**(context or {}), "form": form})


def posted(request):
    """The submitted data of a POST, else None (an unbound form)."""
    return request.POST if request.method == "POST" else None

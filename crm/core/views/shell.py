"""The shell around every module: workbench, global search, language switch, error pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from allauth.account.views import LoginView
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core import access, registry
from crm.core import search as global_search
from crm.core.people import find as find_people
from crm.core.views.editing import same_site

RECENT_LIMIT = 10
SEARCH_MAX_LENGTH = 100
PEOPLE_LIMIT = 20


@dataclass(frozen=True)
class RecentRecord:
    """A row of the workbench's "recently updated" list."""

    type_label: str
    title: str
    url: str
    updated_at: datetime


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _greeting(now: datetime) -> str:
    if now.hour < 12:
        return _("Good morning")
    if now.hour < 18:
        return _("Good afternoon")
    return _("Good evening")


def _workbench_types(user) -> list[registry.ObjectType]:
    """The types with a workbench card that `user` may view, in the cards' order."""
    types = [t for t in registry.all_types() if t.workbench and access.can(user, "view", t.model)]
    return sorted(types, key=lambda t: t.workbench.order if t.workbench else 0)


def _cards(types: list[registry.ObjectType], user) -> list[dict]:
    """Each type's card: its number (or its own template), linking to its list."""
    cards = []
    for object_type in types:
        card = object_type.workbench
        assert card is not None  # _workbench_types keeps only types with a card
        cards.append(
            {
                "label": str(card.label),
                "count": card.count(user) if card.count else None,
                "template": card.template,
                "object_type": object_type,
                "url": _url(object_type.url_name("list")),
                "icon": object_type.icon,
            }
        )
    return cards


def _recent_records(user) -> list[RecentRecord]:
    """The records `user` sees that changed last, across the types in the menu.

    One indexed query per type (a UNION with per-branch LIMIT is not portable to SQLite).
    """
    records: list[RecentRecord] = []
    for object_type in registry.all_types():
        if not object_type.in_menu:
            continue
        title = object_type.search.title
        rows = (
            object_type.model.objects.visible_to(user)
            .order_by("-updated_at", "-pk")
            .values("pk", "updated_at", title)[:RECENT_LIMIT]
        )
        for row in rows:
            url = _url(object_type.url_name("detail"), row["pk"])
            if url:
                records.append(
                    RecentRecord(object_type.label, str(row[title] or ""), url, row["updated_at"])
                )
    records.sort(key=lambda r: r.updated_at, reverse=True)
    return records[:RECENT_LIMIT]


def _quick_links(types: list[registry.ObjectType], user) -> list[dict]:
    links = []
    for object_type in types:
        card = object_type.workbench
        creates = card and card.create_label and access.can_create(user, object_type.model)
        if creates and (url := _url(object_type.url_name("create"))):
            links.append({"label": str(card.create_label), "url": url, "icon": "plus"})
        if url := _url(object_type.url_name("list")):
            links.append(
                {"label": capfirst(object_type.label_plural), "url": url, "icon": object_type.icon}
            )
    if user.is_superuser:
        for name, label, icon in (
            ("org:unit_list", _("Organisation"), "sitemap"),
            ("customization:customfield_list", _("Custom fields"), "forms"),
        ):
            if url := _url(name):
                links.append({"label": label, "url": url, "icon": icon})
    return links


@login_required
def home(request):
    """The workbench (工作台): greeting, my numbers, what changed lately, quick links."""
    user = request.user
    types = _workbench_types(user)
    context = {
        "greeting": _greeting(timezone.localtime()),
        "cards": _cards(types, user),
        "recent": _recent_records(user),
        "quick_links": _quick_links(types, user),
    }
    return render(request, "core/home.html", context)


def _more_urls(query: str) -> dict[str, str]:
    """The list page of each type, narrowed to `query`, by type slug."""
    urls = {}
    for object_type in registry.all_types():
        if url := _url(object_type.url_name("list")):
            urls[object_type.slug] = f"{url}?{urlencode({'q': query})}"
    return urls


@login_required
def search(request):
    """Global search: the results page, or the top-bar dropdown when asked by htmx."""
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    groups = global_search.search(request.user, query) if query else []
    more_urls = _more_urls(query) if query else {}
    context = {
        "q": query,
        "groups": [{"group": g, "more_url": more_urls.get(g.slug)} for g in groups],
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "core/search.html#dropdown", context)
    return render(request, "core/search.html", context)


@login_required
def people(request):
    """Active users by name, username or pinyin (`?q=`), up to `?limit=` (20 at most; 8 when
    not given), without the asker with `?others=1` (whom to @mention):
    {"items": [{id, name, username}]}. Selects of owners load their options from here."""
    limit = request.GET.get("limit", "")
    found = find_people(
        request.GET.get("q", "")[:50],
        limit=min(int(limit), PEOPLE_LIMIT) if limit.isdigit() and int(limit) else 8,
        excluding=request.user if request.GET.get("others") else None,
    )
    items = [{"id": u.pk, "name": u.get_full_name(), "username": u.username} for u in found]
    return JsonResponse({"items": items})


@require_POST
def set_language(request):
    """Switch the interface language: remembered on the user and in the language cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.headers.get("referer")
    response = HttpResponseRedirect(same_site(request, next_url, "/"))
    if _valid_language(language):
        if request.user.is_authenticated:
            _remember_language(request.user, language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _valid_language(language: str) -> bool:
    return bool(language) and language in dict(settings.LANGUAGES) and check_for_language(language)


def _remember_language(user, language: str) -> None:
    if user.language != language:
        user.language = language
        # A user preference, not a business record: no change-log entry.
        user.save(update_fields=["language"])


class SignInView(LoginView):
    """Sign-in through django-allauth (lockouts, two-factor step, login log: see
    crm.org.security). The account adapter makes a language picked on this page the
    user's choice once sign-in completes, after the two-factor step if there is one."""

    template_name = "registration/login.html"


def _for_api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def bad_request(request, exception=None):
    """The 400 page (a parameter that cannot be read), or its JSON body under /api/."""
    message = getattr(exception, "message", "") or _("The request could not be read.")
    if _for_api(request):
        return _api_error(400, getattr(exception, "code", "bad_request"), message)
    return render(request, "400.html", {"message": message}, status=400)


def page_not_found(request, exception=None):
    """The 404 page, inside the layout so the user can navigate on (JSON under /api/)."""
    if _for_api(request):
        return _api_error(404, "not_found", _("Not found."))
    return render(request, "404.html", {"request_path": request.path}, status=404)


def server_error(request):
    """The 500 page: rendered without the request context, which may be what failed."""
    if _for_api(request):
        message = _("Something went wrong on the server. Please try again.")
        return _api_error(500, "server_error", message)
    return HttpResponseServerError(loader.get_template("500.html").render())

"""Template context every page shares: the left navigation menu.

The menu is built from the registry (one entry per registered type in the menu the user may
view, in the types' `menu_order`, grouped by the module that owns it), plus administration
entries for holders of the special permission each needs. It is computed lazily, so
fragments for htmx never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import access, registry


@dataclass
class MenuEntry:
    """One link of the left menu."""

    label: str
    url: str
    icon: str = ""
    active: bool = False


@dataclass
class MenuSection:
    """A heading of the left menu (a module) and its links."""

    label: str
    entries: list[MenuEntry] = field(default_factory=list)


# (label, URL name, icon, special permission) of the administration pages, built by the
# org and customization apps; an entry shows to holders of its special permission. Apps
# above add theirs with `add_admin_entry`.
ADMIN_ENTRIES = [
    (gettext_lazy("Organisation"), "org:unit_list", "sitemap", "manage_users"),
    (gettext_lazy("Employees"), "org:employee_list", "id-badge", "manage_users"),
    (gettext_lazy("Teams"), "org:team_list", "users-group", "manage_users"),
    (gettext_lazy("Users"), "org:user_list", "user", "manage_users"),
    (gettext_lazy("Roles"), "org:role_list", "shield", "manage_users"),
    (gettext_lazy("Handovers"), "org:handover_list", "users", "manage_users"),
    (gettext_lazy("Logs"), "org:login_log", "file-text", "view_logs"),
    (gettext_lazy("Dictionaries"), "customization:dictionary_list", "book", "manage_settings"),
    (gettext_lazy("Custom fields"), "customization:customfield_list", "forms", "manage_settings"),
    (gettext_lazy("Numbering"), "customization:numberingrule_list", "hash", "manage_settings"),
    (
        gettext_lazy("Exchange rates"),
        "customization:exchangerate_list",
        "currency-yuan",
        "manage_settings",
    ),
]
# (label, URL name, icon, who is shown it) of pages beside the types' lists (the inbox,
# approvals, the lead pool), under the workbench; apps add theirs with `add_work_entry`.
WORK_ENTRIES: list[tuple[Any, str, str, Callable[[Any], bool] | None]] = []


def add_admin_entry(label, url_name: str, icon: str, special: str) -> None:
    """Show an administration page in the menu to holders of `special` (from `ready()`)."""
    if all(entry[1] != url_name for entry in ADMIN_ENTRIES):
        ADMIN_ENTRIES.append((label, url_name, icon, special))


def add_work_entry(
    label, url_name: str, icon: str, shown: Callable[[Any], bool] | None = None
) -> None:
    """Show a page under the workbench (from `ready()`): to every signed-in user, or to
    those for whom `shown(user)` holds (who may claim leads)."""
    if all(entry[1] != url_name for entry in WORK_ENTRIES):
        WORK_ENTRIES.append((label, url_name, icon, shown))


def _reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _module_label(app_label: str) -> str:
    try:
        return str(apps.get_app_config(app_label).verbose_name)
    except LookupError:
        return app_label


def build_menu(user, path: str) -> list[MenuSection]:
    """The menu sections `user` sees, with the entry for `path` marked active."""
    sections: list[MenuSection] = []
    home = _reverse("home")
    if home:
        first = MenuSection("", [MenuEntry(_("Workbench"), home, "home")])
        for label, name, icon, shown in WORK_ENTRIES:
            if shown is not None and not shown(user):
                continue
            if url := _reverse(name):
                first.entries.append(MenuEntry(str(label), url, icon))
        sections.append(first)
    by_module: dict[str, MenuSection] = {}
    for object_type in sorted(registry.all_types(), key=lambda t: t.menu_order):
        if not object_type.in_menu or not access.can(user, "view", object_type.model):
            continue
        url = _reverse(object_type.url_name("list"))
        if url is None:
            continue
        section = by_module.get(object_type.app_label)
        if section is None:
            section = by_module[object_type.app_label] = MenuSection(
                _module_label(object_type.app_label)
            )
            sections.append(section)
        section.entries.append(MenuEntry(object_type.label_plural, url, object_type.icon))
    admin = MenuSection(_("Administration"))
    for label, name, icon, special in ADMIN_ENTRIES:
        if access.has_special(user, special) and (url := _reverse(name)):
            admin.entries.append(MenuEntry(str(label), url, icon))
    if admin.entries:
        sections.append(admin)
    _mark_active(sections, path)
    return sections


def _mark_active(sections: list[MenuSection], path: str) -> None:
    """Mark the entry whose URL is the longest prefix of `path` ("/" only on the home page)."""
    best: MenuEntry | None = None
    for section in sections:
        for entry in section.entries:
            matches = path == entry.url if entry.url == "/" else path.startswith(entry.url)
            if matches and (best is None or len(entry.url) > len(best.url)):
                best = entry
    if best is not None:
        best.active = True


def navigation(request):
    """`menu`: the left menu of the signed-in user (empty for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"menu": SimpleLazyObject(lambda: build_menu(user, request.path))}

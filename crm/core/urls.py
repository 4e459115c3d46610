"""The shell's pages, and `patterns_for`, which gives a registered type its generic pages."""

from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from crm.core import registry
from crm.core.registry import ObjectType
from crm.core.views import board, generic, imports, lines, shell

urlpatterns = [
    path("", shell.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name none (downloads, raw errors).
    path("favicon.ico", RedirectView.as_view(url=static("crm/favicon.svg"), permanent=True)),
    path("search/", shell.search, name="search"),
    path("people/", shell.people, name="people"),
    path("language/", shell.set_language, name="set_language"),
    path("login/", shell.SignInView.as_view(), name="login"),
    path("imports/", imports.list_view, name="imports"),
    path("imports/<int:pk>/", imports.detail_view, name="import_detail"),
    path("imports/<int:pk>/preview/", imports.preview_view, name="import_preview"),
    path("imports/<int:pk>/start/", imports.start_view, name="import_start"),
    path("imports/<int:pk>/cancel/", imports.cancel_view, name="import_cancel"),
    path("imports/<int:pk>/file/", imports.file_view, name="import_file"),
    path("imports/<int:pk>/errors/", imports.errors_view, name="import_errors"),
]


def type_patterns(**apps: list) -> list:
    """Every registered type's pages, under its app's namespace (`customers:customer_list`):
    an app adds no URL configuration of its own for its types. An app's other pages join
    its namespace when given by its label (`sales=[path("sales/", include(...))]`)."""
    by_app: dict[str, list] = {}
    for object_type in registry.all_types():
        by_app.setdefault(object_type.app_label, []).extend(patterns_for(object_type))
    for app, patterns in apps.items():
        by_app.setdefault(app, []).extend(patterns)
    return [path("", include((patterns, app), namespace=app)) for app, patterns in by_app.items()]


def patterns_for(object_type: ObjectType) -> list:
    """The URL patterns of a type's generic pages and of the extra views it declares, named
    `<model>_<action>`."""
    base = object_type.slug
    key = object_type.key
    kw = {"type_key": key}
    generic_patterns = [
        path(f"{base}/", generic.list_view, kw, name=f"{key}_list"),
        *_board_patterns(object_type),
        path(f"{base}/new/", generic.form_view, kw, name=f"{key}_create"),
        path(f"{base}/lines/preview/", lines.preview_view, kw, name=f"{key}_lines_preview"),
        path(f"{base}/export/", generic.export_view, kw, name=f"{key}_export"),
        path(f"{base}/bulk/", generic.bulk_view, kw, name=f"{key}_bulk"),
        path(f"{base}/import/", imports.upload_view, kw, name=f"{key}_import"),
        path(
            f"{base}/import/template/",
            imports.template_view,
            kw,
            name=f"{key}_import_template",
        ),
        path(f"{base}/trash/", generic.trash_view, kw, name=f"{key}_trash"),
        path(
            f"{base}/trash/restore/",
            generic.restore_selected_view,
            kw,
            name=f"{key}_restore_selected",
        ),
        path(f"{base}/views/", generic.save_view_view, kw, name=f"{key}_saveview"),
        path(
            f"{base}/views/<int:view_id>/delete/",
            generic.delete_saved_view,
            kw,
            name=f"{key}_deleteview",
        ),
        path(f"{base}/<int:pk>/", generic.detail_view, kw, name=f"{key}_detail"),
        path(f"{base}/<int:pk>/edit/", generic.form_view, kw, name=f"{key}_edit"),
        path(f"{base}/<int:pk>/delete/", generic.delete_view, kw, name=f"{key}_delete"),
        path(f"{base}/<int:pk>/restore/", generic.restore_view, kw, name=f"{key}_restore"),
        path(f"{base}/<int:pk>/purge/", generic.purge_view, kw, name=f"{key}_purge"),
        path(f"{base}/<int:pk>/timeline/", generic.timeline_view, kw, name=f"{key}_timeline"),
        path(f"{base}/<int:pk>/comments/", generic.comment_view, kw, name=f"{key}_comment"),
        path(f"{base}/<int:pk>/attachments/", generic.attach_view, kw, name=f"{key}_attach"),
        path(
            f"{base}/<int:pk>/attachments/<int:attachment_id>/",
            generic.attachment_view,
            kw,
            name=f"{key}_attachment",
        ),
        path(
            f"{base}/<int:pk>/sharing/",
            generic.sharing_view,
            kw,
            name=f"{key}_sharing",
        ),
        path(
            f"{base}/<int:pk>/unmask/<str:field>/",
            generic.unmask_view,
            kw,
            name=f"{key}_unmask",
        ),
        path(
            f"{base}/<int:pk>/transitions/<str:name>/",
            generic.transition_view,
            kw,
            name=f"{key}_transition",
        ),
        path(
            f"{base}/<int:pk>/related/<str:related_key>/",
            generic.related_view,
            kw,
            name=f"{key}_related",
        ),
    ]
    return generic_patterns + _extra_patterns(object_type, generic_patterns)


def _board_patterns(object_type: ObjectType) -> list:
    """A type with a board: the board, and the move of one of its cards to another column."""
    if object_type.board is None:
        return []
    base, key, kw = object_type.slug, object_type.key, {"type_key": object_type.key}
    return [
        path(f"{base}/board/", board.board_view, kw, name=f"{key}_board"),
        path(f"{base}/<int:pk>/board-move/", board.move_view, kw, name=f"{key}_board_move"),
    ]


def _extra_patterns(object_type: ObjectType, generic_patterns: list) -> list:
    """`<plural>/<name>/` or `<plural>/<pk>/<name>/` for each `TypeView` of the type; a
    name or address a generic page has already is refused."""
    taken = {p.name for p in generic_patterns} | {str(p.pattern) for p in generic_patterns}
    patterns = []
    for view in object_type.views:
        name = f"{object_type.key}_{view.name}"
        pk = "<int:pk>/" if view.record else ""
        route = f"{object_type.slug}/{pk}{view.name}/"
        if name in taken or route in taken:
            raise ImproperlyConfigured(f"{object_type.key}: the view name {view.name!r} is taken")
        kw = {"type_key": object_type.key, "view_name": view.name}
        patterns.append(path(route, generic.type_view, kw, name=name))
    return patterns

"""What the platform needs from the apps above it, handed in when they are ready.

`crm.core` imports no app (import-linter's layers contract holds it to that). The
organisation app tells it what a user may do and whom a record can be shared with; the
customization app gives it custom fields, dictionary items, numbering and saved list
views. Each app calls `provide()` in its `AppConfig.ready()`; using a part nobody
provided is a clear error, not a silent default.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class UserPermissions(Protocol):
    """What one user may do (roles added up), as the organisation app reads it."""

    unit_ancestors: set[int]

    def allows(self, action: str, type_key: str) -> bool: ...

    def owner_ids(self, kind: str, type_key: str) -> set[int] | None: ...

    def has_special(self, code: str) -> bool: ...


class Organisation(Protocol):
    """The organisation app (crm.org): permissions and the groups records are shared with."""

    Team: type[models.Model]
    OrgUnit: type[models.Model]

    def permissions_of(self, user: Any) -> UserPermissions: ...


class Customization(Protocol):
    """The customization app (crm.customization): custom fields, dictionaries, numbering
    and saved list views."""

    SavedSearch: type[models.Model]
    DictionaryItem: type[models.Model]
    CustomFieldChecker: type

    def fields_for(self, model: type[models.Model]) -> list: ...

    def masked_names(self, model: type[models.Model]) -> frozenset[str]: ...

    def dictionary_items(self) -> dict: ...

    def item_labels(self, dictionary_ids: Any) -> dict: ...

    def form_field(self, field: Any) -> Any: ...

    def to_json(self, value: Any, field: Any = None) -> Any: ...

    def clean_custom_fields(
        self, model: type[models.Model], data: dict | None, *, definitions: Any = None
    ) -> tuple[dict, dict]: ...

    def take_numbers(
        self, model: type[models.Model], count: int, when: Any = None
    ) -> list[str] | None: ...


class Approvals(Protocol):
    """The approval engine (crm.workflow): what holds a change, locks a record while its
    approval is pending, and takes a submitted document through its process."""

    def lock_reason(self, obj: Any) -> str | None: ...

    def route(self, obj: Any, approvable: Any, actor: Any) -> Any: ...

    def hold(self, obj: Any, approvable: Any, proposed: dict, process: Any, actor: Any) -> Any: ...

    def submitted(self, obj: Any, approvable: Any, actor: Any) -> Any: ...

    def transition_refusal(self, obj: Any, approvable: Any, step: Any) -> str | None: ...


_provided: dict[str, Any] = {}


def provide(
    *,
    organisation: Organisation | None = None,
    customization: Customization | None = None,
    approvals: Approvals | None = None,
):
    """Hand the platform an app's part (called from the app's `ready()`)."""
    parts = {"organisation": organisation, "customization": customization, "approvals": approvals}
    _provided.update({name: part for name, part in parts.items() if part is not None})


def _get(name: str) -> Any:
    try:
        return _provided[name]
    except KeyError:
        raise ImproperlyConfigured(f"No app provided the platform's {name} part") from None


def organisation() -> Organisation:
    """The organisation app's part."""
    return _get("organisation")


def customization() -> Customization:
    """The customization app's part."""
    return _get("customization")


def approvals() -> Approvals:
    """The approval engine's part."""
    return _get("approvals")

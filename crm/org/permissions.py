"""What one user may do, from the roles they hold: function permissions per object type,
data scopes for reading and for changing, and special permissions. Roles add up.

A role's permission row for a type wins over its "*" row (every other type).
"""

from __future__ import annotations

from functools import cached_property

from crm.org import scope
from crm.org.models import DataScope, Role

# Scopes that reach every record make the filter unnecessary.
_UNBOUNDED = object()


class Permissions:
    """The effective permissions of one user, read once (two queries) and then kept."""

    def __init__(self, user):
        self.user = user
        self._rows: dict[int, dict[str, dict]] = {}
        self.specials: set[str] = set()
        # One query: each role with its permission rows (a role without rows comes once).
        for row in Role.objects.filter(users=user).values(
            "id",
            "specials",
            "permissions__type_key",
            "permissions__actions",
            "permissions__view_scope",
            "permissions__edit_scope",
        ):
            self.specials.update(row["specials"] or [])
            if row["permissions__type_key"] is None:
                continue
            self._rows.setdefault(row["id"], {})[row["permissions__type_key"]] = {
                "actions": row["permissions__actions"],
                "view_scope": row["permissions__view_scope"],
                "edit_scope": row["permissions__edit_scope"],
            }
        self._owner_ids: dict[str, set[int] | object] = {}

    def _grants(self, type_key: str) -> list[dict]:
        rows = []
        for by_type in self._rows.values():
            row = by_type.get(type_key) or by_type.get("*")
            if row is not None:
                rows.append(row)
        return rows

    def allows(self, action: str, type_key: str) -> bool:
        return any(action in (row["actions"] or []) for row in self._grants(type_key))

    def scopes(self, kind: str, type_key: str) -> set[str]:
        """The data scopes for "view" or "edit" on a type, over the roles that grant it: a
        role that does not let its holders edit a type lends them no edit scope for it."""
        return {
            row[f"{kind}_scope"] for row in self._grants(type_key) if kind in (row["actions"] or [])
        }

    def owner_ids(self, kind: str, type_key: str) -> set[int] | None:
        """Owners whose records the user reaches; None when the scope is everyone."""
        ids: set[int] = set()
        for name in self.scopes(kind, type_key):
            reached = self._reach(name)
            if reached is _UNBOUNDED:
                return None
            ids |= reached  # type: ignore[operator]
        return ids

    def _reach(self, name: str):
        if name not in self._owner_ids:
            self._owner_ids[name] = self._compute(name)
        return self._owner_ids[name]

    def _compute(self, name: str):
        user = self.user
        if name == DataScope.ALL:
            return _UNBOUNDED
        if name == DataScope.NONE:
            return set()
        if name == DataScope.OWN:
            return {user.pk}
        if name == DataScope.SUBORDINATES:
            return scope.subordinate_user_ids(user) | {user.pk}
        if name == DataScope.DEPARTMENT:
            return scope.department_user_ids(user)
        if name == DataScope.DEPARTMENT_TREE:
            return scope.department_user_ids(user, with_sub_departments=True)
        if name == DataScope.COMPANY:
            return scope.company_user_ids(user)
        return set()  # a scope no longer offered (an old row, a hand edit) reaches nobody

    @cached_property
    def unit_ancestors(self) -> set[int]:
        """The user's department and the units above it (shares to them reach the user)."""
        return scope.unit_ancestor_ids(self.user)

    def has_special(self, code: str) -> bool:
        return code in self.specials


def permissions_of(user) -> Permissions:
    """The user's permissions, computed once per user object (that is, per request)."""
    cached = getattr(user, "_crm_permissions", None)
    if cached is None:
        cached = Permissions(user)
        user._crm_permissions = cached
    return cached

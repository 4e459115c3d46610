"""Reads of the organisation that data scopes build on: who is below whom, which units."""

from __future__ import annotations

from crm.org.models import Employee, OrgUnit


def subordinate_user_ids(user) -> set[int]:
    """Ids of the users below `user` in the superior chain, at any depth, not `user` itself.

    The chain runs through employees: the employee linked to `user`, the employees whose
    superior they are, theirs, and so on. Employees who left still count (their records
    stay with them until handed over); employees without a user add no id but their own
    subordinates are still followed. One query per level of the hierarchy.
    """
    if user is None or not getattr(user, "pk", None):
        return set()
    start = Employee.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if start is None:
        return set()
    seen = {start}
    frontier = {start}
    user_ids: set[int] = set()
    while frontier:
        rows = Employee.objects.filter(superior_id__in=frontier).values_list("pk", "user_id")
        frontier = set()
        for pk, user_id in rows:
            if pk in seen:
                continue
            seen.add(pk)
            frontier.add(pk)
            if user_id is not None:
                user_ids.add(user_id)
    user_ids.discard(user.pk)
    return user_ids


def subtree_unit_ids(unit: OrgUnit) -> set[int]:
    """Ids of `unit` and every unit below it (one indexed prefix match on `path`)."""
    if not unit.path:
        return {unit.pk}
    return set(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))

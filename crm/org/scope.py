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
    employee = _employee_of(user)
    if employee is None:
        return set()
    seen = {employee.pk}
    frontier = {employee.pk}
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


def _employee_of(user) -> Employee | None:
    cached = user._state.fields_cache  # the signed-in user comes with it (org.security)
    if "employee" in cached:
        return cached["employee"]
    return Employee.objects.filter(user_id=user.pk).select_related("department").first()


def _department_of(user) -> OrgUnit | None:
    employee = _employee_of(user)
    return employee.department if employee else None


def _user_ids_in_units(unit_ids) -> set[int]:
    return set(
        Employee.objects.filter(department_id__in=unit_ids, user_id__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def department_user_ids(user, *, with_sub_departments: bool = False) -> set[int]:
    """Users in `user`'s department (and the departments below it), `user` included."""
    department = _department_of(user)
    if department is None:
        return {user.pk}
    units = subtree_unit_ids(department) if with_sub_departments else {department.pk}
    return _user_ids_in_units(units) | {user.pk}


def company_user_ids(user) -> set[int]:
    """Users of `user`'s company: the nearest company above their department, all of it."""
    department = _department_of(user)
    if department is None:
        return {user.pk}
    ancestors = [int(i) for i in department.path.strip("/").split("/") if i]
    companies = OrgUnit.objects.filter(pk__in=ancestors, kind="company").values_list("pk", "path")
    nearest = max(companies, key=lambda row: len(row[1]), default=None)
    if nearest is None:
        return department_user_ids(user, with_sub_departments=True)
    return _user_ids_in_units(subtree_unit_ids(OrgUnit(pk=nearest[0], path=nearest[1]))) | {user.pk}


def unit_ancestor_ids(user) -> set[int]:
    """Ids of `user`'s department and every unit above it (a share with any of them reaches
    the user)."""
    department = _department_of(user)
    if department is None:
        return set()
    return {int(i) for i in department.path.strip("/").split("/") if i} | {department.pk}

"""Business actions of the organisation: units, employees, teams and user accounts."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from crm.core import access
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import ChangeAction
from crm.core.services import delete_config, log_change
from crm.core.services import save as core_save
from crm.org.models import (
    Employee,
    OrgUnit,
    OrgUnitKind,
    Role,
    RolePermission,
    Special,
    Team,
    User,
    action_choices,
)

# Which kinds of unit may sit directly under which: a company under the group or under
# another company (a branch, 分公司); a department under a company or another department.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str]] = {
    OrgUnitKind.GROUP: frozenset(),
    OrgUnitKind.COMPANY: frozenset({OrgUnitKind.GROUP, OrgUnitKind.COMPANY}),
    OrgUnitKind.DEPARTMENT: frozenset({OrgUnitKind.COMPANY, OrgUnitKind.DEPARTMENT}),
}

_PATH_MAX = OrgUnit._meta.get_field("path").max_length


def _kind_label(kind: str) -> str:
    return str(OrgUnitKind(kind).label)


def _check_parent_kind(kind: str, parent: OrgUnit | None) -> None:
    allowed = ALLOWED_PARENT_KINDS[OrgUnitKind(kind)]
    if parent is None and allowed:
        raise DomainError(
            "org_kind",
            _("A %(kind)s needs a parent unit; only a group can be the root.")
            % {"kind": _kind_label(kind).lower()},
            {"parent": [_("Choose the unit this one belongs to.")]},
        )
    if parent is not None and parent.kind not in allowed:
        message = (
            _("A group is the root of the tree and cannot have a parent.")
            if not allowed
            else _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": _kind_label(kind).lower(), "parent": _kind_label(parent.kind).lower()}
        )
        raise DomainError("org_kind", message, {"parent": [message]})


@transaction.atomic
def save_org_unit(unit: OrgUnit, *, actor, expected_version: int | None = None) -> OrgUnit:
    """Create or update an organisation unit and keep `path` right for it and its subtree.

    Kind rules: a group is always a root (no parent); a company sits under a group or
    under another company (a branch); a department sits under a company or another
    department. A unit whose kind changes must still accept each of its children.
    `path` is "/<root id>/.../<own id>/"; when the parent changes, the paths of the whole
    subtree are rewritten in one statement (they are derived data: the change log records
    the unit's own parent and path change, not one row per descendant). A new unit's id is
    known only after its insert, so its create log row shows the parent's path.

    Raises DomainError "org_cycle" (parent inside the unit's own subtree), "org_kind"
    (kind rules above), "org_too_deep" (path longer than the column), plus the core write
    path's AccessDenied, ValidationFailed and StaleVersion. Nothing is written on error.
    """
    creating = unit._state.adding
    parent = None
    if unit.parent_id is not None:
        # Lock the new parent so a concurrent move cannot slide it under this unit.
        parent = OrgUnit.objects.select_for_update().get(pk=unit.parent_id)
    old_path = ""
    if not creating:
        current = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        old_path = current.path
        if parent is not None and (parent.pk == unit.pk or parent.path.startswith(old_path)):
            raise DomainError(
                "org_cycle",
                _("A unit cannot be moved under itself or one of its own sub-units."),
                {"parent": [_("Choose a unit outside this unit's branch.")]},
            )
        subtree = list(
            OrgUnit.objects.select_for_update()
            .filter(path__startswith=old_path)
            .exclude(pk=unit.pk)
            .only("pk", "kind", "parent_id", "path")
        )
        for child in (u for u in subtree if u.parent_id == unit.pk):
            if unit.kind not in ALLOWED_PARENT_KINDS[OrgUnitKind(child.kind)]:
                raise DomainError(
                    "org_kind",
                    _("This unit has sub-units that cannot belong to a %(kind)s.")
                    % {"kind": _kind_label(unit.kind).lower()},
                    {"kind": [_("Move its sub-units elsewhere first.")]},
                )
    _check_parent_kind(unit.kind, parent)

    parent_path = parent.path if parent is not None else "/"
    if not creating:
        new_path = f"{parent_path}{unit.pk}/"
        deepest = max((len(u.path) for u in subtree), default=len(old_path))
        if len(new_path) + deepest - len(old_path) > _PATH_MAX:
            raise DomainError("org_too_deep", _("The organisation tree would be too deep."))
        unit.path = new_path
    else:
        # Provisional until the id is known; the column may not be blank.
        unit.path = parent_path
    core_save(unit, actor=actor, expected_version=expected_version)
    if creating:
        unit.path = f"{parent_path}{unit.pk}/"
        if len(unit.path) > _PATH_MAX:
            raise DomainError("org_too_deep", _("The organisation tree would be too deep."))
        OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path)
    elif old_path != unit.path:
        OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(unit.path), Substr("path", len(old_path) + 1))
        )
    return unit


def _superior_chain_contains(superior_id: int | None, employee_id: int) -> bool:
    """Whether walking up from `superior_id` reaches `employee_id`."""
    seen: set[int] = set()
    current = superior_id
    while current is not None and current not in seen:
        if current == employee_id:
            return True
        seen.add(current)
        current = (
            Employee.objects.select_for_update()
            .filter(pk=current)
            .values_list("superior_id", flat=True)
            .first()
        )
    return False


@transaction.atomic
def save_employee(employee: Employee, *, actor, expected_version: int | None = None) -> Employee:
    """Create or update an employee (department, post, superior, linked user, status).

    The department may be a unit of any kind (group staff, a company without departments).

    The superior chain is locked while it is checked, so two concurrent changes cannot
    close a loop between them. Raises DomainError "superior_cycle" when the employee would
    end up above themselves, plus the core write path's AccessDenied, ValidationFailed
    (a user already linked to another employee, for instance) and StaleVersion.
    """
    if (
        not employee._state.adding
        and employee.superior_id is not None
        and _superior_chain_contains(employee.superior_id, employee.pk)
    ):
        raise DomainError(
            "superior_cycle",
            _("%(name)s cannot report to someone who reports to them.") % {"name": employee.name},
            {"superior": [_("This superior reports, directly or not, to this employee.")]},
        )
    return core_save(employee, actor=actor, expected_version=expected_version)


def _set_members(team: Team, members: set[int], *, actor) -> None:
    before = set(team.members.values_list("pk", flat=True))
    if before == members:
        return
    team.members.set(members)
    log_change(
        team, ChangeAction.UPDATE, {"members": [sorted(before), sorted(members)]}, actor=actor
    )


def _member_ids(members: Iterable[Employee | int]) -> set[int]:
    return {m if isinstance(m, int) else m.pk for m in members}


def _lock_editable_team(team: Team, actor) -> Team:
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if not access.editable(Team.objects.filter(pk=team.pk), actor).exists():
        raise AccessDenied(_("You may not change this team."))
    return locked


@transaction.atomic
def save_team(
    team: Team,
    *,
    actor,
    members: Iterable[Employee | int] | None = None,
    expected_version: int | None = None,
) -> Team:
    """Create or update a team and, when `members` is given, set its members to exactly those.

    The leader is always a member: they are added when missing. A membership change bumps
    the team's version and writes one change-log row with the member ids before and after.
    Raises the core write path's AccessDenied, ValidationFailed and StaleVersion.
    """
    core_save(team, actor=actor, expected_version=expected_version)
    if members is not None or team.leader_id is not None:
        wanted = (
            _member_ids(members)
            if members is not None
            else set(team.members.values_list("pk", flat=True))
        )
        if team.leader_id is not None:
            wanted.add(team.leader_id)
        _set_members(team, wanted, actor=actor)
    return team


@transaction.atomic
def add_team_member(team: Team, employee: Employee, *, actor) -> Team:
    """Add one employee to a team (nothing happens when they already belong to it)."""
    locked = _lock_editable_team(team, actor)
    _set_members(locked, {*locked.members.values_list("pk", flat=True), employee.pk}, actor=actor)
    return locked


@transaction.atomic
def remove_team_member(team: Team, employee: Employee, *, actor) -> Team:
    """Take one employee out of a team. Raises DomainError "team_leader_member" for the leader."""
    locked = _lock_editable_team(team, actor)
    if locked.leader_id == employee.pk:
        raise DomainError(
            "team_leader_member",
            _("The leader of a team must be one of its members; choose another leader first."),
        )
    _set_members(
        locked, set(locked.members.values_list("pk", flat=True)) - {employee.pk}, actor=actor
    )
    return locked


# User fields an administrator edits; the change log shows these (never the password hash).
USER_FIELDS = ("username", "full_name", "email", "language", "is_active", "is_superuser")


def _user_snapshot(user: User) -> dict:
    return {name: getattr(user, name) for name in USER_FIELDS}


def _role_codes(user: User) -> list[str]:
    return sorted(user.roles.values_list("code", flat=True)) if user.pk else []


@transaction.atomic
def save_user(
    user: User, *, actor, password: str | None = None, roles: Iterable[Role] | None = None
) -> User:
    """Create or update a user account, optionally setting its password and roles.

    Needs the "manage_users" special permission; only administrators grant or take
    administrator rights. The password goes through Django's password validators. An
    administrator cannot take their own superuser status or deactivate themselves (the last
    way back in could be lost). Writes a change-log row with the changed fields ("password"
    shows only that it changed; "roles" the role codes before and after).
    Raises AccessDenied, DomainError "self_lockout" and ValidationFailed.
    """
    # An administrator editing their own account may pass that same object as `actor`:
    # judge the permission on the stored row, not on the edits.
    judged = User.objects.get(pk=actor.pk) if user.pk and user.pk == actor.pk else actor
    if not access.has_special(judged, "manage_users"):
        raise AccessDenied(_("Only administrators may manage user accounts."))
    creating = user._state.adding
    before: dict = {}
    if not creating:
        before = _user_snapshot(User.objects.select_for_update().get(pk=user.pk))
        dropping_admin = before["is_superuser"] and not user.is_superuser
        if user.pk == actor.pk and (not user.is_active or dropping_admin):
            raise DomainError(
                "self_lockout",
                _("You cannot deactivate yourself or take away your own administrator rights."),
            )
    if not access.is_admin(judged) and (user.is_superuser or before.get("is_superuser")):
        raise AccessDenied(_("Only administrators may grant or take administrator rights."))
    roles_before = _role_codes(user)
    errors: dict[str, list[str]] = {}
    if creating and not password:
        errors["password"] = [_("Set a password for the new user.")]
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)
    if password:
        user.set_password(password)
    user.is_staff = user.is_superuser
    user.save()
    after = _user_snapshot(user)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if password:
        changes["password"] = [None, "********"]
    if roles is not None:
        user.roles.set(roles)
        access.forget(user)
        if _role_codes(user) != roles_before:
            changes["roles"] = [roles_before, _role_codes(user)]
    if creating or changes:
        log_change(
            user, ChangeAction.CREATE if creating else ChangeAction.UPDATE, changes, actor=actor
        )
    return user


@transaction.atomic
def change_password(user: User, current_password: str, new_password: str, *, actor) -> User:
    """A user changes their own password, proving who they are with the current one.

    The new password goes through Django's password validators and must differ from the
    current one. Writes a change-log row ("password" shows only that it changed); ending
    the user's other sessions is the caller's, which holds the request. Raises
    AccessDenied (someone else's account) and ValidationFailed on "current_password" or
    "new_password". Nothing is written on error.
    """
    if actor.pk != user.pk:
        raise AccessDenied(_("You may change only your own password."))
    if not user.check_password(current_password):
        raise ValidationFailed({"current_password": [_("This is not your current password.")]})
    if new_password == current_password:
        message = _("Choose a password other than your current one.")
        raise ValidationFailed({"new_password": [message]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed({"new_password": list(exc.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    log_change(user, ChangeAction.UPDATE, {"password": [None, "********"]}, actor=actor)
    return user


def next_sort_order(parent: OrgUnit | None) -> int:
    """The order value that puts a new unit last among its siblings."""
    siblings = OrgUnit.objects.filter(parent=parent)
    return (siblings.aggregate(m=Max("sort_order"))["m"] or 0) + 1


@transaction.atomic
def save_role(
    role: Role,
    *,
    actor,
    permissions: dict[str, dict | None],
    expected_version: int | None = None,
) -> Role:
    """Create or update a role and its permission rows (the matrix).

    `permissions` maps a type key ("*" for every type without a row of its own) to
    {"actions": [...], "view_scope": ..., "edit_scope": ...}, or to None to drop the type's
    own row so that it follows "*". Each row goes through the write path, so the change
    log holds every permission before and after. Needs "manage_users"; only administrators
    may grant the "manage_users" special or change a role that holds it.
    Raises AccessDenied, StaleVersion and ValidationFailed.
    """
    if not access.has_special(actor, "manage_users"):
        raise AccessDenied(_("Only administrators may manage roles."))
    held = Role.objects.filter(pk=role.pk).values_list("specials", flat=True).first() or []
    if not access.is_admin(actor) and "manage_users" in {*held, *(role.specials or [])}:
        raise AccessDenied(_("Only administrators may change roles that manage users."))
    unknown = set(role.specials or []) - set(Special.values)
    if unknown:
        raise ValidationFailed({"specials": [_("Unknown special permission.")]})
    core_save(role, actor=actor, expected_version=expected_version)
    rows = {row.type_key: row for row in RolePermission.objects.filter(role=role)}
    for key, grant in permissions.items():
        row = rows.get(key)
        if grant is None:
            if row is not None and key != "*":
                delete_config(row, actor=actor)
            continue
        offered = {value for value, _label in action_choices(key)}
        actions = sorted(set(grant.get("actions", [])) & offered)
        row = row or RolePermission(role=role, type_key=key)
        changed = (
            row.pk is None
            or sorted(row.actions or []) != actions
            or row.view_scope != grant["view_scope"]
            or row.edit_scope != grant["edit_scope"]
        )
        if changed:
            row.actions = actions
            row.view_scope = grant["view_scope"]
            row.edit_scope = grant["edit_scope"]
            core_save(row, actor=actor)
    return role

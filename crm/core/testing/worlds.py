"""Random organisation worlds and a reference of who may see and change what.

`build_world(seed)` writes a random company into the database: a group, companies,
departments three levels deep, users with superior chains (some signed out for good, some
without an employee record, some employees who left), teams, roles with random function
permissions, scopes and special permissions, records of every registered type with random
owners, collaborators and shares, some of them in the recycle bin. `Oracle` answers "may
this user view / edit / restore this record" from the rules as the user guide and the role
pages state them, in plain Python over the world it was given — never by asking the
implementation, nor by copying how it reads roles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.core import search
from crm.core.models import Collaborator, Share
from crm.org.models import (
    DataScope,
    Employee,
    EmployeeStatus,
    OrgUnit,
    Role,
    RolePermission,
    Team,
    User,
    action_choices,
)

SCOPES = [s.value for s in DataScope]
# The common actions and those the registered types' transitions declare.
ACTIONS = [value for value, _label in action_choices()]
# The special permissions that bear on records; the others guard settings pages.
SPECIALS = ["restore", "unmask", "view_logs"]
# A scope the role pages no longer offer, as an older version or a hand edit may leave in
# the database: it must reach nobody, never be guessed at.
UNKNOWN_SCOPE = "region"


@dataclass
class Grant:
    """A role's settings for one object type (or for every type, "*")."""

    actions: set[str]
    view_scope: str
    edit_scope: str


@dataclass
class RoleRules:
    """One role: its settings per type key ("*": every type without its own) and specials."""

    settings: dict[str, Grant]
    specials: set[str]


@dataclass
class Person:
    """A user of the world; `unit` is None for a user without an employee record."""

    user: User
    unit: OrgUnit | None
    superior: Person | None = None
    roles: list[RoleRules] = field(default_factory=list)
    teams: set[int] = field(default_factory=set)
    left: bool = False  # an employee who left, records not handed over yet


@dataclass
class Item:
    """One record of the world: its type, owner and (for child types) parent item; a record
    in the recycle bin knows who put it there."""

    type_key: str
    obj: object
    owner: Person | None
    parent: Item | None = None
    deleted: bool = False
    deleted_by: User | None = None


@dataclass
class World:
    units: dict[int, OrgUnit]
    people: dict[int, Person]
    admin: User
    retired_admin: User  # an administrator whose account was deactivated
    items: list[Item]
    collaborators: set[tuple[str, int, int]]  # (type key, record id, user id)
    shares: list[tuple[str, int, str, int, bool]]  # (type, record, target kind, id, can_edit)

    def users(self) -> list[User]:
        """Everyone who might sign in: the people and both administrators."""
        return [p.user for p in self.people.values()] + [self.admin, self.retired_admin]


def _unit(name, kind, parent):
    unit = OrgUnit.objects.create(name=name, kind=kind, parent=parent, path="")
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@dataclass(frozen=True)
class Factory:
    """How a world makes a record of one type; `parent_type` for types whose access follows
    another record (a contact's customer). Parent types come first in the factories."""

    make: object
    parent_type: str = ""

    def __call__(self, owner, parent):
        return self.make(owner, parent)


def _random_scope(rng) -> str:
    return UNKNOWN_SCOPE if rng.random() < 0.04 else rng.choice(SCOPES)


def _random_role(rng, seed: int, number: int, type_keys) -> tuple[Role, RoleRules]:
    settings: dict[str, Grant] = {}
    for key in ["*", *[k for k in type_keys if rng.random() < 0.4]]:
        if key != "*" and rng.random() < 0.15:
            actions: set[str] = set()  # own settings that grant nothing
        else:
            actions = {a for a in ACTIONS if rng.random() < 0.6}
            if rng.random() < 0.8:
                actions.add("view")
        settings[key] = Grant(actions, _random_scope(rng), _random_scope(rng))
    rules = RoleRules(settings, {s for s in SPECIALS if rng.random() < 0.3})
    role = Role.objects.create(
        code=f"r{seed}-{number}",
        name_zh=f"角色{number}",
        name_en=f"Role {number}",
        specials=sorted(rules.specials),
    )
    for key, grant in settings.items():
        RolePermission.objects.create(
            role=role,
            type_key=key,
            actions=sorted(grant.actions),
            view_scope=grant.view_scope,
            edit_scope=grant.edit_scope,
        )
    return role, rules


def build_world(seed: int, factories: dict, *, people: int = 8, records: int = 14) -> World:
    """Write a random world; `factories[type_key]` is a Factory."""
    rng = random.Random(seed)
    group = _unit(f"集团{seed}", "group", None)
    units = {group.pk: group}
    for c in range(2):
        company = _unit(f"公司{seed}-{c}", "company", group)
        units[company.pk] = company
        for d in range(rng.randint(1, 2)):
            dept = _unit(f"部门{seed}-{c}-{d}", "department", company)
            units[dept.pk] = dept
            for s in range(rng.randint(0, 2)):
                sub = _unit(f"小组{seed}-{c}-{d}-{s}", "department", dept)
                units[sub.pk] = sub
    pool = [_random_role(rng, seed, r, factories) for r in range(4)]
    persons: dict[int, Person] = {}
    employed: list[tuple[Person, Employee]] = []
    for i in range(people):
        user = User.objects.create(
            username=f"w{seed}u{i}", full_name=f"用户{i}", is_active=rng.random() > 0.15
        )
        person = Person(user, None)
        if rng.random() > 0.15:
            person.unit = rng.choice(list(units.values()))
            person.left = rng.random() < 0.15
            boss = rng.choice(employed) if employed and rng.random() < 0.7 else None
            person.superior = boss[0] if boss else None
            employee = Employee.objects.create(
                user=user,
                name=user.full_name,
                department=person.unit,
                superior=boss[1] if boss else None,
                status=EmployeeStatus.LEFT if person.left else EmployeeStatus.ACTIVE,
            )
            employed.append((person, employee))
        for role, rules in rng.sample(pool, rng.randint(0, 2)):
            user.roles.add(role)
            person.roles.append(rules)
        persons[user.pk] = person
    teams = []
    for t in range(2):
        team = Team.objects.create(name=f"团队{seed}-{t}")
        members = rng.sample(employed, min(len(employed), rng.randint(1, 3)))
        team.members.set([employee for _, employee in members])
        for member, _ in members:
            member.teams.add(team.pk)
        teams.append(team)
    admin = User.objects.create(username=f"w{seed}admin", is_superuser=True)
    retired_admin = User.objects.create(
        username=f"w{seed}retired", is_superuser=True, is_active=False
    )
    everyone = list(persons.values())
    items: list[Item] = []
    collaborators: set = set()
    shares: list = []
    for type_key, make in factories.items():
        for _ in range(records):
            owner = rng.choice(everyone)
            parents = [i for i in items if i.type_key == make.parent_type]
            parent = rng.choice(parents) if make.parent_type else None
            obj = make(owner.user, parent.obj if parent else None)
            item = Item(type_key, obj, None if parent else owner, parent)
            items.append(item)
            if rng.random() < 0.15:
                # Put there by someone who may since have lost the right to.
                item.deleted = True
                item.deleted_by = rng.choice([*(p.user for p in everyone), admin])
                type(obj).all_objects.filter(pk=obj.pk).update(
                    deleted_at=timezone.now(), deleted_by=item.deleted_by
                )
                search.unindex(obj)
            if parent is not None:
                continue
            content_type = ContentType.objects.get_for_model(obj)
            if rng.random() < 0.3:
                who = rng.choice(everyone)
                Collaborator.objects.get_or_create(
                    content_type=content_type, object_id=obj.pk, user=who.user
                )
                collaborators.add((type_key, obj.pk, who.user.pk))
            if rng.random() < 0.4:
                kind = rng.choice(["user", "team", "department"])
                can_edit = rng.random() < 0.5
                target = {
                    "user": lambda: rng.choice(everyone).user,
                    "team": lambda: rng.choice(teams),
                    "department": lambda: rng.choice(list(units.values())),
                }[kind]()
                Share.objects.create(
                    content_type=content_type, object_id=obj.pk, can_edit=can_edit, **{kind: target}
                )
                shares.append((type_key, obj.pk, kind, target.pk, can_edit))
    return World(units, persons, admin, retired_admin, items, collaborators, shares)


class Oracle:
    """Who may do what with each record of a world, from the rules as users read them:

    - Administrators may do everything; a deactivated account, administrator or not,
      nothing; nobody signed in, nothing.
    - A role says, per object type, what its holders may do (view, create, edit, delete,
      export, import, transfer, approve) and whose records it reaches for viewing and for
      changing. A type without settings of its own in a role takes the role's "every type"
      settings — own settings win even when they grant nothing.
    - Roles add up: a user reaches a record for viewing (changing) when one of their roles
      grants viewing (changing) that type and its view (edit) scope reaches the owner.
    - Scopes: own; own and subordinates (down the chain of superiors); department;
      department and those below it; company (the company above the user's department,
      or their department and those below it when no company is above); all; none. A user
      without an employee record belongs to no department: every scope short of "all"
      reaches their own records only. An employee who left keeps their place until their
      records are handed over. A scope the role pages do not offer reaches nobody.
    - Collaborators see and change the record; a share with a user, their team or a unit at
      or above their department lets them see it, or also change it — both on top of the
      roles, for a type the user may view (change) at all.
    - What a user may not see, they may not change; a contact follows its customer (and
      the user must also be allowed contacts); a record in the recycle bin is seen only
      there, by those who would see it otherwise.
    - Deleting needs the delete permission on a record the user may change. Restoring
      needs a record in the bin the user may change, deleted by them or restored by a
      holder of "restore". Erasing for good is for administrators. Commenting needs a
      record the user sees; attaching a file, one they may change.
    """

    def __init__(self, world: World):
        self.world = world

    # --- function permissions and specials -------------------------------------------

    @staticmethod
    def settings(person: Person, type_key: str) -> list[Grant]:
        """Each of the person's roles' settings for a type."""
        found = []
        for role in person.roles:
            if type_key in role.settings:
                found.append(role.settings[type_key])
            elif "*" in role.settings:
                found.append(role.settings["*"])
        return found

    def _person(self, user: User | None) -> Person | None:
        """The person behind an account that may act, or None."""
        if user is None or not user.is_active or user.is_superuser:
            return None
        return self.world.people[user.pk]

    def may(self, user: User | None, action: str, type_key: str) -> bool:
        """Whether `user` may do `action` on some records of a type (scopes aside)."""
        if user is not None and user.is_active and user.is_superuser:
            return True
        person = self._person(user)
        return person is not None and any(
            action in grant.actions for grant in self.settings(person, type_key)
        )

    def has_special(self, user: User | None, code: str) -> bool:
        if user is not None and user.is_active and user.is_superuser:
            return True
        person = self._person(user)
        return person is not None and any(code in role.specials for role in person.roles)

    # --- the organisation ---------------------------------------------------------------

    def _ancestors(self, unit: OrgUnit) -> list[OrgUnit]:
        """`unit` and every unit above it, nearest first."""
        chain = []
        step: OrgUnit | None = unit
        while step is not None:
            chain.append(step)
            step = self.world.units.get(step.parent_id) if step.parent_id else None
        return chain

    def _within(self, unit: OrgUnit | None, root: OrgUnit) -> bool:
        return unit is not None and root in self._ancestors(unit)

    def _reports_to(self, person: Person, boss: Person) -> bool:
        step = person.superior
        while step is not None:
            if step is boss:
                return True
            step = step.superior
        return False

    def _scope_reaches(self, person: Person, scope: str, owner: Person) -> bool:
        """Whether a scope held by `person` takes in the records `owner` owns."""
        if scope == DataScope.ALL:
            return True
        if scope not in SCOPES or scope == DataScope.NONE:
            return False
        if owner is person:
            return True
        home = person.unit
        if home is None or scope == DataScope.OWN:
            return False
        if scope == DataScope.SUBORDINATES:
            return self._reports_to(owner, person)
        if scope == DataScope.DEPARTMENT:
            return owner.unit is not None and owner.unit.pk == home.pk
        if scope == DataScope.DEPARTMENT_TREE:
            return self._within(owner.unit, home)
        assert scope == DataScope.COMPANY
        companies = [u for u in self._ancestors(home) if u.kind == "company"]
        return self._within(owner.unit, companies[0] if companies else home)

    def _shared(self, person: Person, item: Item, *, edit: bool) -> bool:
        for type_key, record, kind, target, can_edit in self.world.shares:
            if (type_key, record) != (item.type_key, item.obj.pk) or (edit and not can_edit):
                continue
            if kind == "user" and target == person.user.pk:
                return True
            if kind == "team" and target in person.teams:
                return True
            if kind == "department" and self._within(person.unit, self.world.units[target]):
                return True
        return False

    # --- records ----------------------------------------------------------------------

    def _reaches(self, user: User | None, item: Item, kind: str) -> bool:
        """Whether `user` reaches the record for "view" or "edit", bin or not."""
        if user is not None and user.is_active and user.is_superuser:
            return True
        person = self._person(user)
        if person is None or not self.may(user, kind, item.type_key):
            return False
        if kind == "edit" and not self._reaches(user, item, "view"):
            return False
        if item.parent is not None:
            return not item.parent.deleted and self._reaches(user, item.parent, kind)
        scope_of = (lambda g: g.view_scope) if kind == "view" else (lambda g: g.edit_scope)
        if any(
            kind in grant.actions and self._scope_reaches(person, scope_of(grant), item.owner)
            for grant in self.settings(person, item.type_key)
        ):
            return True
        if (item.type_key, item.obj.pk, person.user.pk) in self.world.collaborators:
            return True
        return self._shared(person, item, edit=kind == "edit")

    def allows(self, user: User | None, item: Item, kind: str) -> bool:
        """Whether `user` may "view" or "edit" the record of `item` (not in the bin)."""
        return not item.deleted and self._reaches(user, item, kind)

    def in_bin(self, user: User | None, item: Item) -> bool:
        """Whether `user` finds the record in the recycle bin."""
        return item.deleted and self._reaches(user, item, "view")

    def may_delete(self, user: User | None, item: Item) -> bool:
        return self.allows(user, item, "edit") and self.may(user, "delete", item.type_key)

    def may_restore(self, user: User | None, item: Item) -> bool:
        mine = user is not None and item.deleted_by is not None and item.deleted_by.pk == user.pk
        return (
            self.in_bin(user, item)
            and (mine or self.has_special(user, "restore"))
            and self._reaches(user, item, "edit")
        )

    def may_purge(self, user: User | None, item: Item) -> bool:
        return self.in_bin(user, item) and user is not None and user.is_superuser

"""Random organisation worlds and a reference of who may see and change what.

`build_world(seed)` writes a random company into the database: a group, companies,
departments three levels deep, users with superior chains, teams, roles with random
function permissions and scopes, records of every registered type with random owners,
collaborators and shares. `Oracle` answers "may this user view / edit this record" from
the written rules of access control, in plain Python over the world it was given — never
by asking the implementation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from crm.core.models import Collaborator, Share
from crm.org.models import Action, DataScope, Employee, OrgUnit, Role, RolePermission, Team, User

SCOPES = [s.value for s in DataScope]
ACTIONS = [a.value for a in Action]


@dataclass
class Grant:
    actions: set[str]
    view_scope: str
    edit_scope: str


@dataclass
class Person:
    user: User
    unit: OrgUnit
    superior: Person | None = None
    roles: list[dict[str, Grant]] = field(default_factory=list)
    teams: set[int] = field(default_factory=set)


@dataclass
class Item:
    """One record of the world: its type, owner and (for child types) parent item."""

    type_key: str
    obj: object
    owner: Person | None
    parent: Item | None = None


@dataclass
class World:
    units: dict[int, OrgUnit]
    people: dict[int, Person]
    admin: User
    items: list[Item]
    collaborators: set[tuple[str, int, int]]  # (type key, record id, user id)
    shares: list[tuple[str, int, str, int, bool]]  # (type, record, target kind, id, can_edit)


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


def build_world(seed: int, factories: dict, *, people: int = 8, records: int = 14) -> World:
    """Write a random world; `factories[type_key]` is a Factory."""
    rng = random.Random(seed)
    group = _unit(f"集团{seed}", "group", None)
    units = {group.pk: group}
    leaves = []
    for c in range(2):
        company = _unit(f"公司{seed}-{c}", "company", group)
        units[company.pk] = company
        for d in range(rng.randint(1, 2)):
            dept = _unit(f"部门{seed}-{c}-{d}", "department", company)
            units[dept.pk] = dept
            leaves.append(dept)
            for s in range(rng.randint(0, 2)):
                sub = _unit(f"小组{seed}-{c}-{d}-{s}", "department", dept)
                units[sub.pk] = sub
                leaves.append(sub)
    pool = []
    for r in range(4):
        rows: dict[str, Grant] = {}
        keys = ["*", *[k for k in factories if rng.random() < 0.4]]
        for key in keys:
            actions = {a for a in ACTIONS if rng.random() < 0.6}
            if rng.random() < 0.8:
                actions.add("view")
            rows[key] = Grant(actions, rng.choice(SCOPES), rng.choice(SCOPES))
        role = Role.objects.create(code=f"r{seed}-{r}", name_zh=f"角色{r}", name_en=f"Role {r}")
        for key, grant in rows.items():
            RolePermission.objects.create(
                role=role,
                type_key=key,
                actions=sorted(grant.actions),
                view_scope=grant.view_scope,
                edit_scope=grant.edit_scope,
            )
        pool.append((role, rows))
    persons: dict[int, Person] = {}
    ordered: list[Person] = []
    for i in range(people):
        user = User.objects.create(username=f"w{seed}u{i}", full_name=f"用户{i}")
        unit = rng.choice(list(units.values()))
        superior = rng.choice(ordered) if ordered and rng.random() < 0.7 else None
        Employee.objects.create(
            user=user,
            name=user.full_name,
            department=unit,
            superior=Employee.objects.get(user=superior.user) if superior else None,
        )
        person = Person(user, unit, superior)
        for role, rows in rng.sample(pool, rng.randint(0, 2)):
            user.roles.add(role)
            person.roles.append(rows)
        persons[user.pk] = person
        ordered.append(person)
    teams = []
    for t in range(2):
        team = Team.objects.create(name=f"团队{seed}-{t}")
        members = rng.sample(ordered, rng.randint(1, 3))
        team.members.set(Employee.objects.filter(user__in=[m.user for m in members]))
        for member in members:
            member.teams.add(team.pk)
        teams.append(team)
    admin = User.objects.create(username=f"w{seed}admin", is_superuser=True)
    items: list[Item] = []
    collaborators: set = set()
    shares: list = []
    for type_key, make in factories.items():
        for _ in range(records):
            owner = rng.choice(ordered)
            parents = [i for i in items if i.type_key == make.parent_type]
            parent = rng.choice(parents) if make.parent_type else None
            obj = make(owner.user, parent.obj if parent else None)
            items.append(Item(type_key, obj, None if parent else owner, parent))
            if parent is not None:
                continue
            content_type = ContentType.objects.get_for_model(obj)
            if rng.random() < 0.3:
                who = rng.choice(ordered)
                Collaborator.objects.get_or_create(
                    content_type=content_type, object_id=obj.pk, user=who.user
                )
                collaborators.add((type_key, obj.pk, who.user.pk))
            if rng.random() < 0.4:
                kind = rng.choice(["user", "team", "department"])
                can_edit = rng.random() < 0.5
                target = {
                    "user": lambda: rng.choice(ordered).user,
                    "team": lambda: rng.choice(teams),
                    "department": lambda: rng.choice(list(units.values())),
                }[kind]()
                Share.objects.create(
                    content_type=content_type, object_id=obj.pk, can_edit=can_edit, **{kind: target}
                )
                shares.append((type_key, obj.pk, kind, target.pk, can_edit))
    return World(units, persons, admin, items, collaborators, shares)


class Oracle:
    """Who may view or edit each record of a world, computed from the rules alone."""

    def __init__(self, world: World):
        self.world = world

    def _grants(self, person: Person, type_key: str) -> list[Grant]:
        out = []
        for rows in person.roles:
            grant = rows.get(type_key) or rows.get("*")
            if grant is not None:
                out.append(grant)
        return out

    def _below(self, person: Person) -> set[int]:
        return {p.user.pk for p in self.world.people.values() if self._has_superior(p, person)}

    @staticmethod
    def _has_superior(person: Person, boss: Person) -> bool:
        step = person.superior
        while step is not None:
            if step is boss:
                return True
            step = step.superior
        return False

    def _company(self, unit: OrgUnit) -> OrgUnit | None:
        step = unit
        while step is not None and step.kind != "company":
            step = self.world.units.get(step.parent_id) if step.parent_id else None
        return step

    def _in_subtree(self, unit: OrgUnit, root: OrgUnit | None) -> bool:
        step = unit
        while step is not None:
            if root is not None and step.pk == root.pk:
                return True
            step = self.world.units.get(step.parent_id) if step.parent_id else None
        return False

    def _reaches(self, person: Person, scope: str, owner: Person) -> bool:
        if scope == "all":
            return True
        if scope == "none":
            return False
        if owner is person:
            return True
        if scope == "own":
            return False
        if scope == "subordinates":
            return owner.user.pk in self._below(person)
        if scope == "department":
            return owner.unit.pk == person.unit.pk
        if scope == "department_tree":
            return self._in_subtree(owner.unit, person.unit)
        company = self._company(person.unit)
        if company is None:
            return self._in_subtree(owner.unit, person.unit)
        return self._in_subtree(owner.unit, company)

    def _shared(self, person: Person, item: Item, *, edit: bool) -> bool:
        for type_key, record, kind, target, can_edit in self.world.shares:
            if (type_key, record) != (item.type_key, item.obj.pk) or (edit and not can_edit):
                continue
            if kind == "user" and target == person.user.pk:
                return True
            if kind == "team" and target in person.teams:
                return True
            if kind == "department" and self._in_subtree(person.unit, self.world.units[target]):
                return True
        return False

    def allows(self, user: User | None, item: Item, kind: str) -> bool:
        """Whether `user` may "view" or "edit" the record of `item`."""
        if user is None:
            return False
        if user.is_superuser:
            return True
        if kind == "edit" and not self.allows(user, item, "view"):
            return False  # what a user may not see, they may not change
        person = self.world.people[user.pk]
        grants = self._grants(person, item.type_key)
        if not any(kind in g.actions for g in grants):
            return False
        if item.parent is not None:
            return self.allows(user, item.parent, kind)
        scope_of = (lambda g: g.view_scope) if kind == "view" else (lambda g: g.edit_scope)
        if any(self._reaches(person, scope_of(g), item.owner) for g in grants):
            return True
        if (item.type_key, item.obj.pk, user.pk) in self.world.collaborators:
            return True
        return self._shared(person, item, edit=kind == "edit")

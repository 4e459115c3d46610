"""Who works a lead (线索分配): leads assigned by hand, distributed by the assignment rules
(the first active rule whose region, industry and source match: to one salesperson, in
turn within a team, or to the pool), and the lead pool (线索池) salespeople claim leads
from (领取) and release them to (释放).

Each of these writes the lead's owner, whether it waits in the pool and when it was
assigned as one change-log row with a new version, its search entry and the "updated"
event, and publishes `sales.lead.assigned`, `.claimed` or `.pooled` for the batch; the
new owner of a batch is told once, in their inbox. A lead in the pool keeps its last
owner on record but is nobody's to work until it is claimed or assigned; only leads
being worked (new, following up, qualified) go into it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.core import access, changes, events, registry, search, services
from crm.core.changes import diff, snapshot
from crm.core.errors import AccessDenied, DomainError, RecordLocked, ValidationFailed
from crm.core.models import ChangeAction
from crm.messaging import services as messaging
from crm.messaging.models import Kind
from crm.org.models import EmployeeStatus, User
from crm.sales.models import AssignmentMethod, Lead, LeadAssignmentRule, LeadStatus

# The states of a lead being worked: only these go into the pool or are distributed.
IN_WORK = (LeadStatus.NEW, LeadStatus.FOLLOWING, LeadStatus.QUALIFIED)
# What an assignment writes besides the write path's bookkeeping.
ASSIGNMENT_FIELDS = ["owner", "in_pool", "assigned_at", "version", "updated_by", "updated_at"]
REASON_LENGTH = 500
NOT_IN_POOL = gettext_lazy(
    "This lead is no longer in the lead pool: someone claimed it or it was assigned."
)
RULE_KEYS = ("region_id", "industry_id", "source_id")


@dataclass(frozen=True)
class Routed:
    """Where the rules sent one lead: to `owner`, or into the pool (`owner` None), by
    `rule` (None: no rule matched)."""

    lead: Lead
    owner: User | None
    rule: LeadAssignmentRule | None


@dataclass(frozen=True)
class Distribution:
    """What distributing leads by the rules did, lead by lead."""

    routed: tuple[Routed, ...]

    @property
    def assigned(self) -> int:
        return sum(1 for each in self.routed if each.owner is not None)

    @property
    def pooled(self) -> int:
        return sum(1 for each in self.routed if each.owner is None)


# --------------------------------------------------------------------------- reads


def pool_leads() -> QuerySet[Lead]:
    """The leads waiting in the pool (converted and invalid ones never are)."""
    return Lead.objects.filter(in_pool=True, status__in=IN_WORK)


def reachable(user) -> QuerySet[Lead]:
    """The leads `user` may name to claim, release or assign: those they see, and those in
    the pool for holders of "claim" or "transfer", whatever their scope."""
    seen = Lead.objects.visible_to(user)
    if not (access.can(user, "claim", Lead) or access.can(user, "transfer", Lead)):
        return seen
    return Lead.objects.filter(Q(pk__in=seen.values("pk")) | Q(pk__in=pool_leads().values("pk")))


def may_hold(user) -> bool:
    """Whether leads may be given to `user`: an active user who may see leads."""
    return bool(user.is_active) and access.can(user, "view", Lead)


def may_claim(lead: Lead, user) -> bool:
    """The "Claim" button: the lead waits in the pool (the permission is the button's)."""
    return lead.in_pool and lead.status in IN_WORK


def may_release(lead: Lead, user) -> bool:
    """The "Release to pool" button: a lead being worked and out of the pool, which `user`
    owns (or may assign, holding "transfer") and may change."""
    holds = lead.owner_id == user.pk or access.can(user, "transfer", Lead)
    return not lead.in_pool and lead.status in IN_WORK and holds and _editable(lead, user)


def may_assign(lead: Lead, user) -> bool:
    """The "Assign" button: a lead not converted, in the pool or one `user` may change."""
    return lead.status != LeadStatus.CONVERTED and (lead.in_pool or _editable(lead, user))


def matches(rule: LeadAssignmentRule, lead: Lead) -> bool:
    """Whether the rule's region, industry and source (each empty: any) are the lead's."""
    return all(getattr(rule, key) in (None, getattr(lead, key)) for key in RULE_KEYS)


def _editable(lead: Lead, user) -> bool:
    return Lead.objects.editable_by(user).filter(pk=lead.pk).exists()


# --------------------------------------------------------------------------- the pool


@transaction.atomic
def claim(lead: Lead, *, actor) -> Lead:
    """Take a lead from the pool (领取): its owner becomes `actor`, it leaves the pool and
    is assigned now. The row is locked and read again, so of two people claiming the same
    lead only the first gets it.

    Needs "claim" on leads, whatever the actor's scope. Raises AccessDenied, and
    DomainError "not_in_pool" (409) when the lead has left the pool (claimed or assigned a
    moment ago, converted or invalid); nothing changes then."""
    if not access.can(actor, "claim", Lead):
        raise AccessDenied(_("You may not claim leads."))
    current = pool_leads().select_for_update().filter(pk=lead.pk).first()
    if current is None:
        raise DomainError("not_in_pool", str(NOT_IN_POOL))
    with events.gathered():
        _write(current, actor=actor, owner_id=actor.pk, in_pool=False)
        events.publish(Lead, "claimed", [current.pk], actor=actor, changed=["owner"])
    return current


@transaction.atomic
def release(lead: Lead, *, actor, reason: str = "") -> Lead:
    """Put a lead back into the pool (释放): it stays on record with its owner, who no
    longer works it, until someone claims it or it is assigned. The reason, if given, is
    kept in the same change-log row.

    Its owner may, or a holder of "transfer"; either must be able to change it. Raises
    AccessDenied, DomainError "already_in_pool" or "not_in_work" (409: converted or
    invalid) and ValidationFailed (`reason` too long)."""
    reason = reason.strip()
    current = _locked([lead.pk])[0]
    holds = current.owner_id == actor.pk or access.can(actor, "transfer", Lead)
    if not holds or not _editable(current, actor):
        raise AccessDenied(
            _("Only the lead's owner, or someone who may assign leads, may release it.")
        )
    if current.in_pool:
        raise DomainError(
            "already_in_pool", _("“%(name)s” is in the lead pool already.") % {"name": current}
        )
    _refuse_out_of_work(current)
    if len(reason) > REASON_LENGTH:
        message = _("Keep the reason within %(n)d characters.") % {"n": REASON_LENGTH}
        raise ValidationFailed({"reason": [message]}, message)
    note = {"release_reason": [None, reason]} if reason else {}
    with events.gathered():
        _write(current, actor=actor, owner_id=current.owner_id, in_pool=True, note=note)
        events.publish(Lead, "pooled", [current.pk], actor=actor, changed=["in_pool"])
    return current


# --------------------------------------------------------------------------- assigning


@transaction.atomic
def assign(leads: Iterable[Lead], to_user: User, *, actor) -> list[Lead]:
    """Give leads to `to_user` by hand (分配): each leaves the pool and is assigned now, in
    one change-log row per lead; `to_user` is told once, in their inbox (unless they
    assign to themselves). A lead they hold already, out of the pool, stays as it is.
    Returns the leads that changed.

    Needs "transfer" on leads, and each lead in the pool or one the actor may change; all
    or none are assigned. Raises AccessDenied, ValidationFailed (`owner`: not an active
    user who may see leads) and RecordLocked (a converted lead)."""
    _require_transfer(actor)
    if not may_hold(to_user):
        raise ValidationFailed({"owner": [_("Choose an active user who works with leads.")]})
    locked = _locked([lead.pk for lead in leads])
    for lead in locked:
        _require_reach(lead, actor)
        reason = services.lock_reason(lead)
        if reason:
            raise RecordLocked(reason)
    moved = [lead for lead in locked if lead.owner_id != to_user.pk or lead.in_pool]
    with events.gathered():
        for lead in moved:
            _write(lead, actor=actor, owner_id=to_user.pk, in_pool=False)
        events.publish(Lead, "assigned", [lead.pk for lead in moved], actor=actor)
    _tell(to_user, moved, actor=actor, by_rules=False)
    return moved


@transaction.atomic
def route(leads: Iterable[Lead], *, actor) -> Distribution:
    """Distribute leads by the assignment rules, tried in order: the first active rule
    whose region, industry and source (each empty: any) are the lead's applies. To one
    salesperson: to them; in turn within a team: to the team's next active member after
    the last one given a lead (by account, in a stable order; the rule's row is locked
    for it, so concurrent distributions never give the same turn twice); to the pool: in.
    No rule matching, a salesperson no longer active or a team without active members
    put the lead in the pool. Each new owner is told once, in their inbox.

    Needs "transfer" on leads, and each lead in the pool or one the actor may change; all
    or none are distributed. Raises AccessDenied and DomainError "not_in_work" (409: a
    converted or invalid lead)."""
    _require_transfer(actor)
    locked = _locked([lead.pk for lead in leads])
    for lead in locked:
        _require_reach(lead, actor)
        _refuse_out_of_work(lead)
    active = LeadAssignmentRule.objects.filter(is_active=True).select_related("assignee")
    rules = list(active.order_by("sort_order", "id"))
    turns = _Turns(rules)
    routed: list[Routed] = []
    given: dict[User, list[Lead]] = {}
    pooled: list[int] = []
    with events.gathered():
        for lead in locked:
            rule = next((r for r in rules if matches(r, lead)), None)
            owner = turns.owner_for(rule) if rule is not None else None
            if owner is None and not lead.in_pool:
                _write(lead, actor=actor, owner_id=lead.owner_id, in_pool=True)
                pooled.append(lead.pk)
            elif owner is not None and (owner.pk != lead.owner_id or lead.in_pool):
                _write(lead, actor=actor, owner_id=owner.pk, in_pool=False)
                given.setdefault(owner, []).append(lead)
            routed.append(Routed(lead, owner, rule))
        ids = [lead.pk for theirs in given.values() for lead in theirs]
        events.publish(Lead, "assigned", ids, actor=actor)
        events.publish(Lead, "pooled", pooled, actor=actor, changed=["in_pool"])
    for owner, theirs in given.items():
        _tell(owner, theirs, actor=actor, by_rules=True)
    return Distribution(tuple(routed))


class _Turns:
    """Who the rules give a lead to. The round-robin rules are locked together, in id order
    (so that two distributions wait for each other rather than deadlock), and their turns
    read again under the lock; each turn taken is kept with its rule."""

    def __init__(self, rules: list[LeadAssignmentRule]) -> None:
        in_turn = [r.pk for r in rules if r.method == AssignmentMethod.ROUND_ROBIN]
        locked = LeadAssignmentRule.objects.select_for_update().filter(pk__in=in_turn)
        self.rules = {rule.pk: rule for rule in locked.order_by("pk")}
        self.teams: dict[int, list[User]] = {}

    def owner_for(self, rule: LeadAssignmentRule) -> User | None:
        if rule.method == AssignmentMethod.OWNER:
            assignee = rule.assignee
            return assignee if assignee is not None and may_hold(assignee) else None
        if rule.method == AssignmentMethod.ROUND_ROBIN:
            return self._next_member(rule)
        return None

    def _next_member(self, rule: LeadAssignmentRule) -> User | None:
        locked = self.rules[rule.pk]
        members = self._members(locked.team_id)
        if not members:
            return None
        last = locked.last_assignee_id or 0
        chosen = next((m for m in members if m.pk > last), members[0])
        locked.last_assignee = chosen
        # The turn is bookkeeping, not a setting: no new version, no change-log row.
        LeadAssignmentRule.objects.filter(pk=locked.pk).update(last_assignee=chosen)
        return chosen

    def _members(self, team_id: int | None) -> list[User]:
        """The team's active members who may hold leads, by account (a stable order)."""
        if team_id is None:
            return []
        if team_id not in self.teams:
            users = User.objects.filter(
                is_active=True,
                employee__teams=team_id,
                employee__status=EmployeeStatus.ACTIVE,
            ).order_by("pk")
            self.teams[team_id] = [user for user in users if may_hold(user)]
        return self.teams[team_id]


# --------------------------------------------------------------------------- rules


def _require_manager(actor) -> None:
    if not access.can(actor, "edit", LeadAssignmentRule):
        raise AccessDenied(_("Only administrators may change the lead assignment rules."))


@transaction.atomic
def save_rule(
    rule: LeadAssignmentRule, *, actor, expected_version: int | None = None
) -> LeadAssignmentRule:
    """Create or change an assignment rule: one to a salesperson names them, one in turn
    names a team, and what its method does not use is cleared. A new rule is tried after
    the others; the round-robin turn stays where distributions left it.

    Raises AccessDenied, ValidationFailed (`assignee`, `team`) and StaleVersion."""
    _require_manager(actor)
    if rule.method != AssignmentMethod.OWNER:
        rule.assignee = None
    if rule.method != AssignmentMethod.ROUND_ROBIN:
        rule.team = None
    if rule.method == AssignmentMethod.OWNER and rule.assignee is None:
        raise ValidationFailed({"assignee": [_("Choose the salesperson.")]})
    if rule.assignee is not None and not may_hold(rule.assignee):
        raise ValidationFailed({"assignee": [_("Choose an active user who works with leads.")]})
    if rule.method == AssignmentMethod.ROUND_ROBIN and rule.team is None:
        raise ValidationFailed({"team": [_("Choose the team that takes turns.")]})
    if rule._state.adding:
        last = LeadAssignmentRule.objects.aggregate(last=Max("sort_order"))["last"]
        rule.sort_order = (last or 0) + 1
    else:
        stored = LeadAssignmentRule.objects.select_for_update().get(pk=rule.pk)
        rule.last_assignee_id = stored.last_assignee_id
    services.save(rule, actor=actor, expected_version=expected_version)
    return rule


@transaction.atomic
def move_rule(rule: LeadAssignmentRule, *, actor, offset: int) -> None:
    """Try a rule `offset` places earlier (negative) or later (positive); the rules are
    numbered 1, 2, 3 … again, each one moved logged. Raises AccessDenied."""
    _require_manager(actor)
    ordered = list(LeadAssignmentRule.objects.select_for_update().order_by("sort_order", "id"))
    old = [each.pk for each in ordered].index(rule.pk)
    ordered.insert(min(max(old + offset, 0), len(ordered) - 1), ordered.pop(old))
    for position, each in enumerate(ordered, start=1):
        if each.sort_order != position:
            each.sort_order = position
            services.save(each, actor=actor)


def delete_rule(rule: LeadAssignmentRule, *, actor) -> None:
    """Delete a rule (logged with its values). Raises AccessDenied."""
    _require_manager(actor)
    services.delete_config(rule, actor=actor)


def describe_changes() -> None:
    """The change log reads a release's reason under its own label (from `ready()`)."""
    changes.describe_key("release_reason", models.CharField(gettext_lazy("reason for release")))


# --------------------------------------------------------------------------- writing


def _require_transfer(actor) -> None:
    if not access.can(actor, "transfer", Lead):
        raise AccessDenied(_("You may not assign leads."))


def _require_reach(lead: Lead, actor) -> None:
    if not lead.in_pool and not _editable(lead, actor):
        raise AccessDenied(
            _("You may not assign “%(name)s”: it is neither in the pool nor yours to change.")
            % {"name": lead}
        )


def _refuse_out_of_work(lead: Lead) -> None:
    if lead.status not in IN_WORK:
        raise DomainError(
            "not_in_work",
            _(
                "“%(name)s” is converted or invalid: only leads being worked go to the pool "
                "or are distributed."
            )
            % {"name": lead},
        )


def _locked(ids: list[int]) -> list[Lead]:
    """The leads, locked in id order (so concurrent batches wait rather than deadlock)."""
    found = list(Lead.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(found) != len(set(ids)):
        raise DomainError("lead_gone", _("A lead was deleted meanwhile: nothing was changed."))
    return found


def _write(lead: Lead, *, actor, owner_id: int, in_pool: bool, note: dict | None = None) -> None:
    """Write who holds `lead` (locked by the caller) as the write path writes a change: a
    new version, one change-log row with the values before and after (and `note`), the
    search entry (it carries the owner) and the "updated" event.

    Not `services.save`: the caller has checked the rule of its action, and a claimer
    takes a lead they could not change before, which the write path's edit scope refuses."""
    before = snapshot(lead)
    lead.owner_id = owner_id
    lead.in_pool = in_pool
    if not in_pool:
        lead.assigned_at = timezone.now()
    services.stamp(lead, actor)
    lead.save(update_fields=ASSIGNMENT_FIELDS)
    changed = diff(before, snapshot(lead))
    services.log_change(lead, ChangeAction.UPDATE, {**changed, **(note or {})}, actor=actor)
    search.index(lead)
    events.publish(Lead, "updated", [lead.pk], actor=actor, changed=changed)


def _tell(owner: User, leads: list[Lead], *, actor, by_rules: bool) -> None:
    """One inbox message to the new owner of a batch (none for assigning to oneself)."""
    if not leads or owner.pk == actor.pk:
        return
    lead_type = registry.get("lead")
    one = leads[0] if len(leads) == 1 else None
    if one is not None:
        url = reverse(lead_type.url_name("detail"), args=[one.pk])
    else:
        url = f"{reverse(lead_type.url_name('list'))}?owner={owner.pk}&ordering=-updated_at"

    def render(user) -> tuple[str, str]:
        if one is not None:
            title = _("Lead “%(name)s” assigned to you") % {"name": one}
        else:
            count = len(leads)
            title = ngettext(
                "%(count)d lead assigned to you", "%(count)d leads assigned to you", count
            ) % {"count": count}
        if by_rules:
            body = _("Distributed by the assignment rules, by %(actor)s.")
        else:
            body = _("Assigned by %(actor)s.")
        return title, body % {"actor": actor}

    messaging.notify_each(
        [owner], kind=Kind.SYSTEM, render=render, target=one, url=url, actor=actor
    )

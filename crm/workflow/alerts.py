"""Alerts (预警): rules that find records matching their conditions on a schedule and tell
the people concerned.

A run is set-based: one `INSERT … SELECT … ON CONFLICT DO NOTHING` writes a hit for each
matching record not yet hit in the rule's period (the day, or the hour, in the CRM's time
zone), so a record is reported once per rule and period however often the rule runs. The
recipients of the run's new hits are then counted in SQL (grouped by owner, by the owner's
superior; role holders and named users by what they may see), and each gets one digest
in their inbox ("12 customers: …") linking to the rule's hits they may see, never one
message per record.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from crm.core import access, registry
from crm.core import services as core_services
from crm.core.context_processors import add_admin_entry
from crm.core.contributions import DemoContext
from crm.core.errors import AccessDenied, ValidationFailed
from crm.messaging import services as messaging
from crm.workflow import conditions as condition_rules
from crm.workflow.models import AlertHit, AlertRule, AlertSchedule

KIND = "alert"
HOURLY_KEY = "%Y-%m-%dT%H"
DAILY_KEY = "%Y-%m-%d"
KEEP_DAYS = 35


def register_menu() -> None:
    """The alert rules' entry in the administration menu (called from the app's ready())."""
    add_admin_entry(
        gettext_lazy("Alert rules"), "workflow:alert_rule_list", "alert-triangle", "manage_settings"
    )


# Setting up -------------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not access.can(actor, "edit", AlertRule):
        raise AccessDenied(_("Only administrators may change the settings."))


def _rule_errors(rule: AlertRule, conditions: list[dict], users: list) -> dict[str, list[str]]:
    """What is wrong with a rule besides its model fields; types its conditions."""
    errors: dict[str, list[str]] = {}
    if rule.type_key not in {t.key for t in registry.all_types()}:
        return {"type_key": [_("Choose an object type.")]}
    try:
        rule.conditions = condition_rules.validate(rule.type_key, conditions)
    except ValidationError as error:
        errors.update(error.message_dict)
    else:
        if not rule.conditions:
            errors["conditions"] = [_("Add at least one condition.")]
    if not (rule.to_owner or rule.to_superior or rule.role_id or users):
        errors["recipients"] = [_("Choose who is alerted.")]
    if not (rule.by_inbox or rule.by_email):
        errors["channels"] = [_("Choose how they are alerted.")]
    return errors


@transaction.atomic
def save_rule(
    rule: AlertRule,
    *,
    actor,
    conditions: list[dict],
    users: list | None = None,
    expected_version: int | None = None,
) -> AlertRule:
    """Create or update an alert rule with its conditions (rows for
    crm.workflow.conditions) and named users. Raises ValidationFailed (`type_key`,
    `conditions`, `conditions.<i>.<part>`, `recipients`, `channels`), AccessDenied and
    StaleVersion; nothing is written then."""
    _require_manager(actor)
    users = list(users or [])
    errors = _rule_errors(rule, conditions, users)
    if errors:
        raise ValidationFailed(errors)
    core_services.save(rule, actor=actor, expected_version=expected_version)
    rule.users.set(users)
    return rule


@transaction.atomic
def deactivate_rule(rule: AlertRule, *, actor) -> AlertRule:
    """Stop a rule from running; its past alerts stay. Raises AccessDenied."""
    _require_manager(actor)
    if rule.is_active:
        rule.is_active = False
        core_services.save(rule, actor=actor)
    return rule


# Running ----------------------------------------------------------------------------------


def period_of(rule: AlertRule, now: datetime.datetime) -> tuple[str, datetime.datetime]:
    """The key of the period `now` falls in and when the rule's run in it is due: the hour
    for an hourly rule; for a daily one the day, due at its time of day."""
    local = timezone.localtime(now)
    if rule.schedule == AlertSchedule.HOURLY:
        return local.strftime(HOURLY_KEY), local.replace(minute=0, second=0, microsecond=0)
    due = datetime.datetime.combine(local.date(), rule.time_of_day, tzinfo=local.tzinfo)
    return local.strftime(DAILY_KEY), due


def hits_statement(
    rule: AlertRule, period: str, stamp: datetime.datetime, now: datetime.datetime
) -> tuple[str, list]:
    """The one statement that writes a rule's new hits of a period: the matching records'
    query as the ORM compiles it, inside INSERT … SELECT … ON CONFLICT DO NOTHING."""
    model = registry.get(rule.type_key).model
    found = model.objects.filter(condition_rules.as_q(model, rule.conditions, now=now))
    ids = found.order_by().annotate(hit_id=F("pk")).values("hit_id")
    select, params = ids.query.sql_with_params()
    table = connection.ops.quote_name(AlertHit._meta.db_table)
    # The text is the ORM's compiled query and a quoted table name; values are parameters.
    # "WHERE 1 = 1": SQLite would read ON CONFLICT as a join's ON clause without it.
    sql = (
        f"INSERT INTO {table} (rule_id, object_id, period, created_at) "  # noqa: S608
        f"SELECT %s, found.hit_id, %s, %s FROM ({select}) AS found WHERE 1 = 1 "
        "ON CONFLICT (rule_id, period, object_id) DO NOTHING"
    )
    return sql, [rule.pk, period, connection.ops.adapt_datetimefield_value(stamp), *params]


def evaluate(rule: AlertRule, *, now: datetime.datetime | None = None) -> int:
    """Record the rule's hits of the current period in one statement and send each
    recipient one digest of the new ones; answers how many records were new."""
    now = now or timezone.now()
    period, _due = period_of(rule, now)
    stamp = timezone.now()  # marks this run's hits among the period's
    sql, params = hits_statement(rule, period, stamp, now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        added = cursor.rowcount
        if added:
            _tell(rule, period, stamp)
    return added


def recipients_of(rule: AlertRule, period: str, stamp: datetime.datetime) -> Counter:
    """How many of a run's new hits each recipient is told about, by user id: owners and
    their superiors counted in SQL, role holders and named users by what they may see."""
    model = registry.get(rule.type_key).model
    hits = AlertHit.objects.filter(rule=rule, period=period, created_at=stamp)
    records = model.objects.filter(pk__in=hits.values("object_id")).order_by()
    counts: Counter = Counter()
    grouped = []
    if rule.to_owner:
        grouped.append("owner_id")
    if rule.to_superior:
        grouped.append("owner__employee__superior__user_id")
    for column in grouped:
        rows = (
            records.values_list(column)
            .annotate(n=Count("pk"))
            .filter(**{f"{column}__isnull": False})
        )
        for user_id, n in rows:
            counts[user_id] += n
    named = {u.pk: u for u in rule.users.filter(is_active=True)}
    if rule.role_id:
        holders = get_user_model().objects.filter(roles=rule.role_id, is_active=True)
        named.update({u.pk: u for u in holders})
    for user in named.values():
        counts[user.pk] = max(counts[user.pk], records.visible_to(user).count())
    return +counts  # without those who see none


class _Digests:
    """The title and text of a rule's digests, in the active language; the rule's
    conditions are read out once per language, however many people are told."""

    def __init__(self, rule: AlertRule, counts: Counter):
        self.rule = rule
        self.counts = counts
        self.object_type = registry.get(rule.type_key)
        self.bodies: dict[str, str] = {}

    def __call__(self, user) -> tuple[str, str]:
        count = self.counts[user.pk]
        records = self.object_type.label_plural if count != 1 else self.object_type.label
        title = _("%(rule)s: %(count)d %(records)s") % {
            "rule": self.rule.name,
            "count": count,
            "records": str(records).lower(),
        }
        language = get_language()
        if language not in self.bodies:
            described = condition_rules.describe(self.rule.type_key, self.rule.conditions)
            self.bodies[language] = self.rule.message or "; ".join(described)
        return title, self.bodies[language]


def _tell(rule: AlertRule, period: str, stamp: datetime.datetime) -> None:
    """Send each recipient of a run's new hits one digest: to their inbox (and by email
    when they chose email for alerts), or by email alone when the rule says so."""
    counts = recipients_of(rule, period, stamp)
    # With their employee records: an email goes to theirs when they have none of their own.
    users = get_user_model().objects.filter(pk__in=counts, is_active=True)
    people = list(users.select_related("employee"))
    url = reverse("workflow:alert_hits", args=[rule.pk]) + f"?period={period}"
    ref = f"alert:{rule.pk}:{period}"
    digest = _Digests(rule, counts)
    if rule.by_inbox:
        messaging.notify_each(people, kind=KIND, render=digest, url=url, ref=ref)
    if not rule.by_email:
        return
    for user in people:
        address = messaging.email_address(user)
        if not address or (rule.by_inbox and KIND in messaging.email_kinds(user)):
            continue  # no address, or emailed with their inbox item already
        with override(user.language):
            title, body = digest(user)
        messaging.queue_email([address], title, body, ref=ref)


def run_due(now: datetime.datetime | None = None) -> int:
    """Run every active rule whose period's run is due and not done yet; each rule claims
    its period once (with its run, in one transaction), so a second scheduler or a second
    call in the period does nothing. Answers how many rules ran."""
    now = now or timezone.now()
    ran = 0
    for rule in AlertRule.objects.filter(is_active=True).order_by("pk"):
        _period, due = period_of(rule, now)
        if now < due:
            continue
        with transaction.atomic():
            claimed = (
                AlertRule.objects.filter(pk=rule.pk, is_active=True)
                .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lt=due))
                .update(last_run_at=now)
            )
            if claimed:
                evaluate(rule, now=now)
                ran += 1
    return ran


def hits_for(rule: AlertRule, user, period: str = ""):
    """The period shown (the one given, else the rule's latest) and the records of the
    rule's hits in it that `user` may see, most recently changed first."""
    model = registry.get(rule.type_key).model
    hits = AlertHit.objects.filter(rule=rule)
    period = period or (hits.order_by("-period").values_list("period", flat=True).first() or "")
    ids = hits.filter(period=period).values("object_id")
    return period, model.objects.visible_to(user).filter(pk__in=ids).order_by("-updated_at", "-pk")


def purge_hits(now: datetime.datetime | None = None) -> int:
    """Forget the hits of periods more than KEEP_DAYS days old, rule by rule over the
    (rule, period) index, so the table holds about a month of runs; answers how many
    went. Their inbox items stay."""
    cutoff = timezone.localdate(now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    gone = 0
    for pk in AlertRule.objects.values_list("pk", flat=True):
        # "2026-06-15T09" sorts after "2026-06-15" and before "2026-06-16".
        gone += AlertHit.objects.filter(rule_id=pk, period__lt=cutoff.isoformat()).delete()[0]
    return gone


# Demo -------------------------------------------------------------------------------------


def demo(ctx: DemoContext) -> None:
    """A few alert rules on customers for the demo company (those missing)."""
    level_a = next(
        (
            value
            for value, label in _field_choices("customer", "level")
            if label.startswith(("A ", "A -"))
        ),
        None,
    )
    offered = {f.name for f in condition_rules.fields_for("customer")}
    rules: list[tuple[str, list[dict], dict]] = [
        (
            "A 级客户 30 天未更新",
            [
                {"field": "level", "op": "eq", "value": level_a},
                {"field": "updated_at", "op": "older_than_days", "value": 30},
            ],
            {"to_owner": True, "to_superior": True, "time_of_day": datetime.time(8, 30)},
        ),
        (
            "潜在客户 60 天未更新",
            [
                {"field": "status", "op": "eq", "value": "potential"},
                {"field": "updated_at", "op": "older_than_days", "value": 60},
            ],
            {"to_owner": True, "time_of_day": datetime.time(9, 0)},
        ),
        (
            "信用额度超过 100 万",
            [{"field": "credit_limit", "op": "gt", "value": "1000000"}],
            {"to_owner": True, "to_superior": True, "schedule": AlertSchedule.HOURLY},
        ),
    ]
    for name, rows, fields in rules:
        usable = all(r["field"] in offered and r["value"] is not None for r in rows)
        if not usable or AlertRule.objects.filter(name=name).exists():
            continue
        save_rule(
            AlertRule(name=name, type_key="customer", **fields), actor=ctx.admin, conditions=rows
        )
        ctx.created("alert rules")


def _field_choices(type_key: str, name: str) -> list[tuple[str, str]]:
    with override("en"):
        field = next((f for f in condition_rules.fields_for(type_key) if f.name == name), None)
        return field.choices if field else []

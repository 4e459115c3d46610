"""Employee transfer handover (员工异动交接): the records of a leaving or moving employee go
to one or more others, as a background job with progress. Every change of owner goes
through the write path, so the change log holds each one; the `Handover` row is the log of
the handover itself. A record's child records (a customer's contacts) owned by the same
employee move with it. The old owner keeps access only where they collaborate."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import access, events, jobs, registry, services
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import Job, JobStatus
from crm.org.models import Handover, HandoverStatus, User

BATCH = 100
KIND = "handover"


def transferable_types() -> list[registry.ObjectType]:
    """Types whose records have an owner of their own (not following a parent record)."""
    return [t for t in registry.all_types() if not t.model.access_parent]


def _children(object_type) -> list[tuple[registry.ObjectType, str]]:
    return [
        (t, t.model.access_parent)
        for t in registry.all_types()
        if t.model.access_parent
        and t.model._meta.get_field(t.model.access_parent).related_model is object_type.model
    ]


def preview(from_user: User, type_keys: list[str], *, actor) -> dict[str, int]:
    """How many records of each type `from_user` owns that `actor` may hand over."""
    counts = {}
    for key in type_keys:
        model = registry.get(key).model
        counts[key] = model.objects.editable_by(actor).filter(owner=from_user).count()
    return counts


@transaction.atomic
def start_handover(
    from_user: User, to_users: list[User], type_keys: list[str], *, actor
) -> Handover:
    """Record a handover and queue the job that moves the records.

    Needs the "transfer" permission on every chosen type. Raises AccessDenied and
    ValidationFailed (no receiver, the employee among the receivers, an inactive receiver,
    an unknown type)."""
    known = {t.key for t in transferable_types()}
    errors: dict[str, list[str]] = {}
    if not to_users:
        errors["to_users"] = [_("Choose who receives the records.")]
    elif from_user in to_users:
        errors["to_users"] = [_("The employee cannot hand records to themselves.")]
    elif any(not u.is_active for u in to_users):
        errors["to_users"] = [_("Records can only go to active users.")]
    if not type_keys or set(type_keys) - known:
        errors["type_keys"] = [_("Choose what to hand over.")]
    if errors:
        raise ValidationFailed(errors)
    for key in type_keys:
        if not access.can(actor, "transfer", registry.get(key).model):
            raise AccessDenied(
                _("You may not transfer %(type)s.") % {"type": registry.get(key).label_plural}
            )
    handover = Handover.objects.create(
        from_user=from_user,
        type_keys=type_keys,
        created_by=actor,
        total=sum(preview(from_user, type_keys, actor=actor).values()),
    )
    handover.to_users.set(to_users)
    job = Job.objects.create(
        kind=KIND,
        status=JobStatus.QUEUED,
        created_by=actor,
        total=handover.total,
        params={"handover": handover.pk},
    )
    jobs.enqueue(job)
    return handover


def transfer_record(obj, new_owner: User, *, actor) -> None:
    """Give one record (and its child records owned by the same person) a new owner."""
    old_owner_id = obj.owner_id
    obj.owner = new_owner
    services.save(obj, actor=actor, expected_version=obj.version)
    for child_type, fk in _children(registry.for_model(type(obj))):
        children = child_type.model.objects.filter(**{fk: obj}, owner_id=old_owner_id)
        for child in children.select_for_update():
            child.owner = new_owner
            services.save(child, actor=actor, expected_version=child.version)


def run_handover_job(job: Job) -> None:
    """The background job of a handover (a `core.Job` of kind "handover")."""
    handover = run_handover(job.params["handover"], job=job)
    jobs.finish(job, JobStatus.DONE, checkpoint=handover.done + handover.failed)


def run_handover(handover_id: int, job: Job | None = None) -> Handover:
    """Move the records still owned by the employee, batch by batch, counting progress as
    it goes (each batch renews `job`'s lease with its checkpoint). Safe to run again after
    a crash: it continues with what is left."""
    handover = Handover.objects.get(pk=handover_id)
    if handover.status == HandoverStatus.DONE:
        return handover
    Handover.objects.filter(pk=handover.pk).update(status=HandoverStatus.RUNNING)
    receivers = list(handover.to_users.order_by("pk"))
    actor = handover.created_by
    turn = handover.done + handover.failed
    for key in handover.type_keys:
        model = registry.get(key).model
        pending = list(
            model.objects.filter(owner=handover.from_user)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(pending), BATCH):
            done = failed = 0
            # One event per batch and type with every id moved; a record that fails
            # drops its own events with its writes.
            with transaction.atomic(), events.gathered():
                rows = (
                    model.objects.filter(
                        pk__in=pending[start : start + BATCH], owner=handover.from_user
                    )
                    .select_for_update()
                    .order_by("pk")
                )
                for obj in rows:
                    receiver = receivers[turn % len(receivers)]
                    turn += 1
                    try:
                        with transaction.atomic(), events.gathered():
                            transfer_record(obj, receiver, actor=actor)
                        done += 1
                    except DomainError:
                        failed += 1
                Handover.objects.filter(pk=handover.pk).update(
                    done=F("done") + done, failed=F("failed") + failed
                )
                if job is not None:
                    jobs.commit_batch(job, checkpoint=turn)
    Handover.objects.filter(pk=handover.pk).update(
        status=HandoverStatus.DONE, finished_at=timezone.now()
    )
    handover.refresh_from_db()
    return handover

"""Setting up sales processes (销售流程): each with its stages in order (a stage's probability,
category and the fields an opportunity must have before entering it), which process new
opportunities follow by default, and the order processes are offered in."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.core import access, changes
from crm.core import services as core_services
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.states import Category

from .models import Opportunity, SalesProcess, SalesStage, StageChange

# The opportunity fields a salesperson fills, which a stage may require before entering it.
REQUIRABLE_FIELDS = (
    "expected_amount",
    "close_date",
    "contact",
    "next_step",
    "competitors",
    "products",
    "source",
)
# The probability a won or a lost stage takes when none is entered.
CLOSED_PROBABILITY = {Category.WON: 100, Category.LOST: 0}


def requirable_choices() -> list[tuple[str, str]]:
    """The fields a stage may require, with their labels: ("close_date", "Expected close
    date")."""
    return [
        (name, str(capfirst(Opportunity._meta.get_field(name).verbose_name)))
        for name in REQUIRABLE_FIELDS
    ]


def required_text(names) -> str:
    """A stage's required fields by their labels: "Amount, Expected close date"."""
    labels = dict(requirable_choices())
    return ", ".join(labels.get(name, str(name)) for name in names or [])


def describe_changes() -> None:
    """The change log reads a stage's required fields by their labels."""
    changes.describe_values(SalesStage, "required_fields", required_text)


def stages_in_order(process: SalesProcess) -> list[SalesStage]:
    """All stages of a stored process, inactive ones included, in order."""
    if process.pk is None:
        return []
    return list(process.stages.order_by("position", "id"))


def stage_is_used(stage: SalesStage) -> bool:
    """Whether an opportunity (in the recycle bin too) is in the stage or went through it."""
    return (
        Opportunity.all_objects.filter(stage=stage).exists()
        or StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
    )


def _require_manager(actor) -> None:
    if not access.can(actor, "edit", SalesProcess):
        raise AccessDenied(_("Only administrators may change the settings."))


# ------------------------------------------------------------------------------- stages


def _typed_stage(stage: SalesStage, row: dict[str, Any], position: int) -> dict[str, list[str]]:
    """Put a typed row's values on `stage`; answers the row's own errors by field."""
    errors: dict[str, list[str]] = {}
    stage.name = (row.get("name") or "").strip()
    stage.category = row.get("category") or Category.OPEN
    stage.is_active = bool(row.get("is_active"))
    stage.position = position
    probability = row.get("probability")
    if probability is None:
        probability = CLOSED_PROBABILITY.get(stage.category)
    if probability is None or not 0 <= probability <= 100:
        errors["probability"] = [_("Enter a probability from 0 to 100.")]
    stage.probability = probability or 0
    chosen = list(row.get("required_fields") or [])
    unknown = [name for name in chosen if name not in REQUIRABLE_FIELDS]
    if unknown:
        errors["required_fields"] = [
            _("“%(field)s” cannot be required: choose among the fields a salesperson fills.")
            % {"field": unknown[0]}
        ]
    stage.required_fields = [name for name in REQUIRABLE_FIELDS if name in chosen]
    try:
        stage.full_clean(
            exclude=["process", "probability", "required_fields"], validate_unique=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return errors


def _category_errors(stages: list[SalesStage]) -> dict[str, list[str]]:
    """The rules over the active stages: at least one open, one won and one lost (a second
    won or lost one is refused on its row)."""
    errors: dict[str, list[str]] = {}
    active = [(index, stage) for index, stage in enumerate(stages) if stage.is_active]
    if not any(stage.category == Category.OPEN for _index, stage in active):
        errors.setdefault("stages", []).append(
            _("Add at least one open stage: opportunities are worked in open stages.")
        )
    closing = (
        (
            Category.WON,
            _("Add a won stage: a won opportunity goes there."),
            _("A process has one won stage, and “%(name)s” is it."),
        ),
        (
            Category.LOST,
            _("Add a lost stage: a lost opportunity goes there."),
            _("A process has one lost stage, and “%(name)s” is it."),
        ),
    )
    for category, missing, second in closing:
        found = [(index, stage) for index, stage in active if stage.category == category]
        if not found:
            errors.setdefault("stages", []).append(missing)
        for index, _stage in found[1:]:
            errors[f"stages.{index}.category"] = [second % {"name": found[0][1].name}]
    return errors


def _built_stages(
    rows: list[dict[str, Any]], stored: list[SalesStage]
) -> tuple[list[SalesStage], list[SalesStage], list[SalesStage]]:
    """The process's stages as typed, in order (a row with the id of a stored stage is that
    stage), the stored ones left out that are kept inactive (opportunities went through
    them), and those to delete. Raises ValidationFailed naming `stages.<i>.<field>`, or
    `stages` for what the set lacks."""
    by_id = {stage.pk: stage for stage in stored}
    errors: dict[str, list[str]] = {}
    typed = []
    for index, row in enumerate(rows):
        stage = by_id.pop(row.get("id"), None) or SalesStage()
        for name, messages in _typed_stage(stage, row, index + 1).items():
            errors[f"stages.{index}.{name}"] = messages
        typed.append(stage)
    kept, gone = [], []
    for stage in by_id.values():
        if stage_is_used(stage):
            stage.is_active = False
            stage.position = len(typed) + len(kept) + 1
            kept.append(stage)
        else:
            gone.append(stage)
    names = {stage.name.casefold(): stage.name for stage in kept}
    for index, stage in enumerate(typed):
        key = stage.name.casefold()
        if key in names:
            errors.setdefault(f"stages.{index}.name", []).append(
                _("Another stage of this process is called “%(name)s”.") % {"name": names[key]}
            )
        elif stage.name:
            names[key] = stage.name
    errors.update(_category_errors(typed))
    if errors:
        raise ValidationFailed(errors)
    return typed, kept, gone


def _in_write_order(stages: list[SalesStage], held: dict[int, str]) -> list[SalesStage]:
    """`stages` in an order where none takes a name before the stage holding it (`held`:
    the stored names by id) has given it up. Stages swapping names stay in the end, where
    the name rule refuses them."""
    waiting, ordered = list(stages), []
    while waiting:
        taken = {held[stage.pk] for stage in waiting if stage.pk in held}
        ready = [s for s in waiting if s.name not in taken or held.get(s.pk) == s.name]
        if not ready:
            return ordered + waiting
        ordered += ready
        waiting = [stage for stage in waiting if stage not in ready]
    return ordered


def _values(stage: SalesStage) -> tuple:
    """What a stage row sets, to tell whether a stage changed."""
    return (
        stage.name,
        stage.position,
        stage.probability,
        stage.category,
        stage.required_fields,
        stage.is_active,
    )


def _write_stages(
    process: SalesProcess,
    typed: list[SalesStage],
    kept: list[SalesStage],
    stored: dict[int, tuple],
    actor,
) -> None:
    """Save the stages that are new or changed (`stored`: their values before, by id), each
    through the write path (its own change-log row); a refusal names the stage's row."""
    row_of = {id(stage): index for index, stage in enumerate(typed)}
    held = {pk: values[0] for pk, values in stored.items()}
    for stage in _in_write_order(typed + kept, held):
        if stored.get(stage.pk) == _values(stage):
            continue
        stage.process = process
        try:
            core_services.save(stage, actor=actor)
        except ValidationFailed as error:
            index = row_of.get(id(stage))
            if index is None:
                raise
            raise ValidationFailed(
                {
                    f"stages.{index}.{'name' if key == '__all__' else key}": messages
                    for key, messages in error.fields.items()
                }
            ) from None


# ----------------------------------------------------------------------------- processes


def _default_errors(process: SalesProcess, was_default: bool) -> dict[str, list[str]]:
    """The default process stays active, and stops being the default only when another
    becomes it."""
    others_active = SalesProcess.objects.filter(is_active=True).exclude(pk=process.pk)
    if process.is_default and not process.is_active:
        return {
            "is_active": [
                _("The default process stays active: make another process the default first.")
            ]
        }
    if was_default and not process.is_default and others_active.exists():
        return {
            "is_default": [
                _(
                    "New opportunities follow the default process: make another process "
                    "the default instead."
                )
            ]
        }
    return {}


def _clear_other_defaults(process: SalesProcess, actor) -> None:
    for other in (
        SalesProcess.objects.select_for_update().filter(is_default=True).exclude(pk=process.pk)
    ):
        other.is_default = False
        core_services.save(other, actor=actor)


@transaction.atomic
def save_process(
    process: SalesProcess,
    *,
    stages: list[dict[str, Any]],
    actor,
    expected_version: int | None = None,
) -> SalesProcess:
    """Create or update a sales process with its stages. `stages` are the typed rows in
    order (id of a stored stage or None, name, probability, category, required_fields,
    is_active); a blank probability of a won stage is 100, of a lost one 0. A stored stage
    left out is deleted, or deactivated when opportunities are in it or went through it.

    The active stages are at least one open stage, one won and one lost; names differ; the
    required fields are among REQUIRABLE_FIELDS. A default process makes the others not
    default; the first active process is the default. A new process comes after the
    others. The process and each changed stage are written (and logged) on their own.

    Raises ValidationFailed (process fields, `stages`, `stages.<i>.<field>`), AccessDenied
    and StaleVersion; nothing is written then.
    """
    _require_manager(actor)
    stored_process = (
        SalesProcess.objects.select_for_update().filter(pk=process.pk).first()
        if process.pk
        else None
    )
    stored = stages_in_order(process)
    stored_values = {stage.pk: _values(stage) for stage in stored}
    errors = core_services.field_errors(process)
    was_default = bool(stored_process and stored_process.is_default)
    errors.update(_default_errors(process, was_default))
    try:
        typed, kept, gone = _built_stages(stages, stored)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(errors)
    others = SalesProcess.objects.filter(is_active=True).exclude(pk=process.pk)
    if process.is_active and not others.filter(is_default=True).exists():
        process.is_default = True
    if process._state.adding:
        last = SalesProcess.objects.aggregate(last=Max("sort_order"))["last"]
        process.sort_order = (last or 0) + 1
    core_services.save(process, actor=actor, expected_version=expected_version)
    if process.is_default:
        _clear_other_defaults(process, actor)
    for stage in gone:
        core_services.delete_config(stage, actor=actor)
    _write_stages(process, typed, kept, stored_values, actor)
    return process


def process_is_used(process: SalesProcess) -> bool:
    """Whether an opportunity (in the recycle bin too) follows the process."""
    return Opportunity.all_objects.filter(process=process).exists()


@transaction.atomic
def delete_process(process: SalesProcess, *, actor) -> bool:
    """Delete a process with its stages, or deactivate it when opportunities follow it;
    True when it was deleted. The default process goes only when it is the last active
    one. Raises AccessDenied and DomainError `default_process`."""
    _require_manager(actor)
    process = SalesProcess.objects.select_for_update().get(pk=process.pk)
    if process.is_default and SalesProcess.objects.filter(is_active=True).count() > 1:
        raise DomainError(
            "default_process",
            _("Make another process the default before removing “%(name)s”.")
            % {"name": process.name},
        )
    if process_is_used(process):
        if process.is_active:
            process.is_active = False
            process.is_default = False
            core_services.save(process, actor=actor)
        return False
    for stage in stages_in_order(process):
        core_services.delete_config(stage, actor=actor)
    core_services.delete_config(process, actor=actor)
    return True


@transaction.atomic
def move_process(process: SalesProcess, *, actor, offset: int) -> None:
    """Offer a process `offset` places earlier (negative) or later (positive); the
    processes are numbered 1, 2, 3 … again, each moved one logged. Raises AccessDenied."""
    _require_manager(actor)
    processes = list(SalesProcess.objects.select_for_update().order_by("sort_order", "id"))
    ids = [p.pk for p in processes]
    old = ids.index(process.pk)
    processes.insert(min(max(old + offset, 0), len(ids) - 1), processes.pop(old))
    for position, each in enumerate(processes, start=1):
        if each.sort_order != position:
            each.sort_order = position
            core_services.save(each, actor=actor)

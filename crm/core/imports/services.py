"""The import wizard's steps as services: upload, map, preview, start, cancel, run.

An import is a `Job` of kind "import": the uploaded file, the mapping in `params`, progress
in `checkpoint` (data rows done) and counts in `summary`; rows that failed are
`JobRowError`s, turned into the error workbook at the end.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from crm.core import access, extensions, jobs, registry
from crm.core import services as core
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.exports import write_workbook
from crm.core.imports.engine import (
    ADD_ITEM,
    CREATE,
    FAILED,
    LEAVE_EMPTY,
    OUTCOMES,
    POLICIES,
    UPDATE,
    Importer,
    Options,
    Outcome,
    match_choices,
    unneutralised,
)
from crm.core.imports.fields import ItemLookup, Schema, normalize
from crm.core.imports.files import Sheet, open_sheet, write_error_workbook
from crm.core.models import ImportMapping, ImportTemplate, Job, JobRowError, JobStatus
from crm.core.text import mnemonic

KIND = "import"
BATCH = settings.CRM_IMPORT_BATCH  # rows written per transaction, at most
PROGRESS_STEPS = 20  # a smaller file is still written in about this many batches
MIN_BATCH = 10
PREVIEW_ROWS = 10
MAX_UNKNOWN = 50  # values no dictionary item names, offered for mapping, per column
DRAFT_DAYS = 7  # an upload whose import was never started is kept this long


def visible_imports(user):
    """The imports `user` may look at: their own, or all for administrators."""
    imports = Job.objects.filter(kind=KIND).select_related("created_by")
    return imports if access.is_admin(user) else imports.filter(created_by=user)


def require_import(user, object_type) -> None:
    """AccessDenied, saying why and who can help, unless `user` may import the type."""
    if not access.can(user, "import", object_type.model):
        raise AccessDenied(
            _("You may not import %(type)s. An administrator can give you the import permission.")
            % {"type": object_type.model._meta.verbose_name_plural}
        )


def templates_for(object_type, user) -> list[ImportTemplate]:
    """The saved mappings of a type that `user` may use."""
    templates = ImportTemplate.objects.visible_to(user).filter(type_key=object_type.key)
    return list(templates.order_by("name"))


def template_named(object_type, user, name: str) -> ImportTemplate:
    """A saved mapping by name; ValidationFailed (on "mapping") when there is none."""
    template = ImportTemplate.objects.visible_to(user).filter(type_key=object_type.key, name=name)
    found = template.first()
    if found is None:
        message = _("There is no mapping template “%(name)s”.") % {"name": name}
        raise ValidationFailed({"mapping": [message]})
    return found


def upload(user, object_type, uploaded, *, template: ImportTemplate | None = None) -> Job:
    """Keep an uploaded file as a draft import, with the columns matched to fields."""
    require_import(user, object_type)
    job = Job(kind=KIND, type_key=object_type.key, created_by=user, file_name=uploaded.name[:255])
    job.file.save(Path(uploaded.name).name[-100:], uploaded, save=False)
    try:
        sheet = open_sheet(job.file.path)
    except ValidationFailed:
        job.file.delete(save=False)
        raise
    job.params = suggest(object_type, user, sheet, template)
    job.save()
    return job


def suggest(object_type, user, sheet: Sheet, template: ImportTemplate | None = None) -> dict:
    """The first guess at the import's settings: columns matched to fields (a template
    chosen, else what the user confirmed before, then the best template, then by names),
    skip duplicates found by the first match key the columns allow (else create all)."""
    if template is not None:
        known = template.columns
    else:
        template = _best_template(object_type, user, sheet.headers)
        known = {**(template.columns if template else {}), **remembered(object_type, user)}
    schema = Schema(object_type)
    columns = schema.auto_map(sheet.headers, known)
    choices = match_choices(object_type, columns)
    return {
        "headers": sheet.headers,
        "columns": columns,
        "on_duplicate": "skip" if choices else CREATE,
        "match": choices[0][0] if choices else "",
        "template": template.name if template else "",
        "unknown": unknown_values(schema, sheet, columns),
        "values": {},
    }


def unknown_values(schema: Schema, sheet: Sheet, columns: list[str]) -> dict[str, list[str]]:
    """The texts of the file's dictionary columns that no item names, by field, in the
    order first met (up to MAX_UNKNOWN a column): {"source": ["网络", "老客户介绍"]}; each
    value of a multi-choice cell on its own."""
    watched = {
        index: schema.targets[key]
        for index, key in enumerate(columns)
        if key and isinstance(schema.targets[key].convert, ItemLookup)
    }
    found: dict[str, dict[str, str]] = {t.key: {} for t in watched.values()}
    for _number, cells in sheet.rows():
        for index, target in watched.items():
            seen = found[target.key]
            for text in target.convert.parts(unneutralised(cells[index])):
                if text and len(seen) < MAX_UNKNOWN and not target.convert.knows(text):
                    seen.setdefault(normalize(text), text)
    return {key: list(texts.values()) for key, texts in found.items() if texts}


def every_unknown_added(job: Job, columns: list[str]) -> dict[str, dict[str, str]]:
    """The value choices that add each value of the file's dictionary columns no item
    names to its dictionary (the command line's and the API's --add-missing-choices)."""
    schema = Schema(registry.get(job.type_key))
    unknown = unknown_values(schema, open_sheet(job.file.path), columns)
    return {key: dict.fromkeys(texts, ADD_ITEM) for key, texts in unknown.items()}


def may_add_items(user) -> bool:
    """Whether `user` may add dictionary items (and so a value an import brings)."""
    return access.can(user, "create", extensions.customization().DictionaryItem)


def _checked_values(
    schema: Schema, user, unknown: dict[str, list[str]], values: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The value choices for the unknown values of the mapped fields, and the errors."""
    kept: dict[str, dict[str, str]] = {}
    errors = []
    for key, texts in unknown.items():
        lookup = schema.targets[key].convert
        codes = {code for code, _label in lookup.items}
        for text in texts:
            choice = values.get(key, {}).get(text)
            if choice is None:
                continue  # not decided: the rows with it fail, saying what is allowed
            if choice == ADD_ITEM and not may_add_items(user):
                errors.append(
                    _("You may not add dictionary items; map “%(value)s” to an item.")
                    % {"value": text}
                )
            elif choice not in (LEAVE_EMPTY, ADD_ITEM, *codes):
                errors.append(_("Choose what “%(value)s” becomes.") % {"value": text})
            else:
                kept.setdefault(key, {})[text] = choice
    return kept, errors


def _best_template(object_type, user, headers: list[str]) -> ImportTemplate | None:
    """The saved template that knows the most of these headers (at least one)."""
    best, best_score = None, 0
    for template in templates_for(object_type, user):
        score = sum(1 for h in headers if template.columns.get(h))
        if score > best_score:
            best, best_score = template, score
    return best


def duplicate_policy(object_type, columns: list[str], on_duplicate: str, match: str):
    """The duplicate policy and match key for an import run without the wizard: the key
    asked for, else the first the mapped columns allow; with none, every row is new."""
    if on_duplicate == CREATE:
        return CREATE, ""
    keys = match_choices(object_type, columns)
    if match:
        return on_duplicate, match  # `configure` says when its columns are missing
    return (on_duplicate, keys[0][0]) if keys else (CREATE, "")


def remembered(object_type, user) -> dict[str, str]:
    """The columns `user` confirmed on earlier imports of the type: {header: field key}."""
    mapping = ImportMapping.objects.filter(user=user, type_key=object_type.key).first()
    return mapping.columns if mapping is not None else {}


def remember(job: Job) -> None:
    """Keep the columns of a started import for its user's next files of the type."""
    confirmed = {
        normalize(h): c for h, c in zip(job.params["headers"], job.params["columns"], strict=True)
    }
    with transaction.atomic():
        mapping, _created = ImportMapping.objects.select_for_update().get_or_create(
            user=job.created_by, type_key=job.type_key
        )
        mapping.columns = {**mapping.columns, **confirmed}
        mapping.save(update_fields=["columns", "updated_at"])


def options_of(job: Job) -> Options:
    params = job.params
    return Options(
        params["columns"], params["on_duplicate"], params.get("match", ""), params.get("values", {})
    )


def configure(
    job: Job,
    user,
    columns: list[str],
    on_duplicate: str,
    match: str,
    save_as: str = "",
    values: dict[str, dict[str, str]] | None = None,
) -> Job:
    """Check and keep the mapping, the duplicate policy and what values no dictionary item
    names become ({field: {text: item code, LEAVE_EMPTY or ADD_ITEM}}; kept as they were
    when not given) of a draft import; optionally save the mapping as a template under
    `save_as`."""
    _require_owner(job, user)
    if job.status != JobStatus.DRAFT:
        raise ValidationFailed({"__all__": [_("This import has already started.")]})
    object_type = registry.get(job.type_key)
    schema = Schema(object_type)
    headers = job.params["headers"]
    errors: dict[str, list[str]] = {}
    if len(columns) != len(headers) or any(c and c not in schema.targets for c in columns):
        errors["columns"] = [_("Choose a field (or none) for each column.")]
    else:
        chosen = [c for c in columns if c]
        twice = {schema.targets[c].label for c in chosen if chosen.count(c) > 1}
        if twice:
            errors["columns"] = [
                _("Several columns fill %(fields)s.") % {"fields": ", ".join(sorted(twice))}
            ]
        # An update-only file (number and one column) needs no name: rows that would
        # create a record without one fail on their own.
        missing = schema.missing_required(columns) if on_duplicate != UPDATE else []
        if missing:
            errors.setdefault("columns", []).append(
                _("Choose a column for %(fields)s.")
                % {"fields": ", ".join(t.label for t in missing)}
            )
        if not any(chosen):
            errors.setdefault("columns", []).append(_("Choose a field for at least one column."))
    if on_duplicate not in POLICIES:
        errors["on_duplicate"] = [_("Choose how to handle duplicates.")]
    elif on_duplicate != CREATE and match not in dict(match_choices(object_type, columns)):
        errors["match"] = [_("Match existing records by a key whose fields all have a column.")]
    unknown: dict[str, list[str]] = {}
    chosen: dict[str, dict[str, str]] = {}
    if "columns" not in errors:
        unknown = unknown_values(schema, open_sheet(job.file.path), columns)
        given = job.params.get("values", {}) if values is None else values
        chosen, value_errors = _checked_values(schema, user, unknown, given)
        if value_errors:
            errors["values"] = value_errors
    if errors:
        raise ValidationFailed(errors)
    job.params.update(
        columns=columns,
        on_duplicate=on_duplicate,
        match=match if on_duplicate != CREATE else "",
        unknown=unknown,
        values=chosen,
    )
    if save_as.strip():
        template = save_template(object_type, user, save_as.strip(), headers, columns)
        job.params["template"] = template.name
    job.save(update_fields=["params"])
    return job


def save_template(object_type, user, name: str, headers: list[str], columns: list[str]):
    """Save (or overwrite one's own) mapping template through the write path."""
    template = ImportTemplate.objects.filter(type_key=object_type.key, name=name).first()
    template = template or ImportTemplate(type_key=object_type.key, name=name)
    template.columns = dict(zip(headers, columns, strict=True))
    return core.save(template, actor=user)


def discard(job: Job) -> None:
    """Forget a draft import that will not start (its file too)."""
    if job.status == JobStatus.DRAFT:
        job.file.delete(save=False)
        job.delete()


def purge_drafts(days: int = DRAFT_DAYS) -> int:
    """Forget imports uploaded but never started this many days ago; returns how many."""
    old = Job.objects.filter(
        kind=KIND, status=JobStatus.DRAFT, created_at__lt=timezone.now() - timedelta(days=days)
    )
    drafts = list(old)
    for job in drafts:
        discard(job)
    return len(drafts)


def _require_owner(job: Job, user) -> None:
    if not visible_imports(user).filter(pk=job.pk).exists():
        raise AccessDenied(_("This import is not yours."))


def preview(job: Job, user, limit: int = PREVIEW_ROWS) -> list[Outcome]:
    """What the first rows would become, checked in full, nothing written."""
    _require_owner(job, user)
    object_type = registry.get(job.type_key)
    sheet = open_sheet(job.file.path)
    importer = Importer(object_type, user, sheet.headers, options_of(job))
    rows = []
    for number, cells in sheet.rows():
        if any(cells):
            rows.append((number, cells))
        if len(rows) >= limit:
            break
    with transaction.atomic():
        return importer.batch(rows, write=False)


def start(job: Job, user) -> Job:
    """Queue a configured draft import for a background consumer."""
    _require_owner(job, user)
    require_import(user, registry.get(job.type_key))
    with transaction.atomic():  # a value that cannot be added leaves the import a draft
        queued = Job.objects.filter(pk=job.pk, status=JobStatus.DRAFT)
        if not queued.update(status=JobStatus.QUEUED):
            raise ValidationFailed({"__all__": [_("This import has already started.")]})
        remember(job)
        _add_items(job, user)
        jobs.enqueue(job)
    job.status = JobStatus.QUEUED
    return job


def _add_items(job: Job, user) -> None:
    """Add the values chosen to be added to their dictionaries (through the write path),
    and import them as those items."""
    DictionaryItem = extensions.customization().DictionaryItem
    schema = Schema(registry.get(job.type_key))
    added = False
    for key, chosen in job.params.get("values", {}).items():
        lookup = schema.targets[key].convert
        for text, choice in chosen.items():
            if choice != ADD_ITEM:
                continue
            siblings = DictionaryItem.objects.filter(dictionary_id=lookup.dictionary_id)
            item = DictionaryItem(
                dictionary_id=lookup.dictionary_id,
                code=_free_code(siblings, text),
                label_zh=text,
                label_en=text,
                sort_order=(siblings.aggregate(last=Max("sort_order"))["last"] or 0) + 1,
            )
            core.save(item, actor=user)
            chosen[text], added = item.code, True
    if added:
        job.save(update_fields=["params"])


def _free_code(siblings, text: str) -> str:
    """A code for a new item among `siblings`: the text's pinyin initials ("网络": "wl"),
    numbered on if taken ("wl-2")."""
    base = slugify(mnemonic(text).lower())[:40] or "item"
    taken = set(siblings.filter(code__startswith=base).values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def cancel(job: Job, user) -> None:
    """Stop an import after its current batch; what was imported stays."""
    _require_owner(job, user)
    jobs.request_cancel(job)


# ---------------------------------------------------------------------- the job


def run_import(job: Job) -> None:
    """The job handler: import the rows after the checkpoint in batches, each committed
    with its errors, counts and the new checkpoint; then write the error workbook."""
    user = job.created_by
    with translation.override(getattr(user, "language", None) or None):
        object_type = registry.get(job.type_key)
        sheet = open_sheet(job.file.path)
        if not job.total:
            job.total = sheet.count()
            Job.objects.filter(pk=job.pk).update(total=job.total)
        importer = Importer(
            object_type, user, sheet.headers, options_of(job), tag=f"import:{job.pk}"
        )
        summary = Counter(dict.fromkeys(OUTCOMES, 0)) + Counter(job.summary)
        size = batch_size(job.total)
        batch: list[tuple[int, list[str]]] = []
        for number, cells in sheet.rows(skip=job.checkpoint):
            if not any(cells):
                continue
            # A full batch is written before the next document, never between its lines.
            if len(batch) >= size and not importer.same_document(batch[-1][1], cells):
                _commit(job, importer, sheet, batch, summary)
                batch = []
            batch.append((number, cells))
        if batch:
            _commit(job, importer, sheet, batch, summary)
        finish_import(job, sheet)


def batch_size(total: int) -> int:
    """Rows per batch: each commits the progress the import's page shows, so a file of a
    few hundred rows moves the bar in steps rather than jumping from 0 to done."""
    return min(BATCH, max(MIN_BATCH, -(-total // PROGRESS_STEPS)))


def _commit(job: Job, importer: Importer, sheet: Sheet, batch, summary: Counter) -> None:
    with transaction.atomic():
        outcomes = importer.batch(batch)
        JobRowError.objects.bulk_create(
            JobRowError(job=job, row=o.row, message=o.message(sheet.headers))
            for o in outcomes
            if o.action == FAILED
        )
        counts = summary + Counter(o.action for o in outcomes)
        jobs.commit_batch(
            job, checkpoint=batch[-1][0] - sheet.first_row, summary={k: counts[k] for k in OUTCOMES}
        )
    summary.update(o.action for o in outcomes)


def finish_import(job: Job, sheet: Sheet) -> None:
    """Write the error workbook (if rows failed) and mark the import done."""
    errors = job.row_errors.order_by("row").values_list("row", "message")
    if errors.exists():
        name = error_file_name(job)
        with transaction.atomic():
            job.result_file.delete(save=False)
            with open(Path(job.file.path).with_suffix(".errors.xlsx"), "w+b") as spool:
                write_error_workbook(sheet, iter(errors.iterator()), spool)
                spool.seek(0)
                job.result_file.save(name, File(spool), save=False)
            Path(spool.name).unlink()
    summary = {k: job.summary.get(k, 0) for k in OUTCOMES}  # zeros for a file without rows
    jobs.finish(job, JobStatus.DONE, result_file=job.result_file.name, summary=summary)


def summary_line(job: Job) -> str:
    return " ".join(f"{k}={job.summary.get(k, 0)}" for k in OUTCOMES)


def error_file_name(job: Job) -> str:
    """The error workbook's name: the uploaded file's, with "-errors"."""
    return f"{Path(job.file_name).stem}-errors.xlsx"


# ---------------------------------------------------------------------- the wizard's pages


def field_label(target) -> str:
    """An importable field's label, marked with * when required (the header matching
    ignores the mark, so a filled-in template maps itself)."""
    label = capfirst(target.label)
    return f"{label} *" if target.required else label


def template_headers(object_type) -> list[str]:
    """The importable fields' labels in the current language."""
    return [field_label(t) for t in Schema(object_type).targets.values()]


def write_template(object_type, target) -> None:
    """An empty workbook to fill in: one frozen row of headers, columns as wide as they are
    (`target`: a path or a file)."""
    write_workbook(str(object_type.label_plural), iter([template_headers(object_type)]), target)


def samples(job: Job, count: int = 3, scan: int = 100) -> list[list[str]]:
    """Up to `count` non-blank values of each column, from the first `scan` data rows."""
    sheet = open_sheet(job.file.path)
    found: list[list[str]] = [[] for _header in sheet.headers]
    for index, (_number, cells) in enumerate(sheet.rows()):
        for column, text in enumerate(cells):
            if text and len(found[column]) < count:
                found[column].append(text)
        if index + 1 >= scan or all(len(values) >= count for values in found):
            break
    return found

"""What a column of an import file can fill, and how its text becomes a value.

The importable fields of a type are its form's fields plus number, external id, owner and
the active custom fields. A header matches a field by its name or its label in Chinese or
English (the list's column labels too, so an exported list imports back). Choice values
match codes or labels in either language; users match usernames or names; records
(a contact's customer) match numbers or names among the records the importer sees.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.core import extensions, money, registry

_IGNORED = re.compile(r"[\s_*:：()（）\-—·./]")
_TRUE = {"1", "true", "yes", "y", "on", "是", "√", "对"}
_FALSE = {"0", "false", "no", "n", "off", "否", "×", "不是"}
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER_NOISE = re.compile(r"[,，\s¥￥$元]")
MAX_LISTED = 30  # an error lists the allowed values of a choice up to this many
_MULTI_SEPARATOR = re.compile(r"\s*[,，、;；]\s*")
LANGUAGES = ("zh-hans", "en")
EXTRA_FIELDS = ("number", "external_id", "owner")
# What other systems head the columns of fields most types have, by the field's name; a
# type adds its own in its registration (`ObjectType.import_synonyms`).
COMMON_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("编码", "代码", "代号", "单号", "code", "no"),
    "external_id": ("外部编号", "原系统编号", "原编号", "legacy id", "old id", "external id"),
    "owner": (
        "负责人",
        "业务员",
        "销售员",
        "销售代表",
        "客户经理",
        "跟进人",
        "所属人员",
        "sales rep",
        "salesperson",
        "account manager",
        "account owner",
    ),
    "phone": ("电话", "固话", "座机", "办公电话", "landline", "tel", "telephone", "office phone"),
    "mobile": ("手机", "手机号", "手机号码", "移动电话", "cell", "cellphone", "mobile phone"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "e-mail", "mail", "QQ/E-mail"),
    "address": ("地址", "详细地址", "通讯地址", "street address"),
    "website": ("网址", "网站", "主页", "homepage", "url", "web"),
    "notes": ("备注", "说明", "描述", "remark", "remarks", "comment", "memo", "description"),
}
# Loose matching: a header is also tried without these words around the field's name
# ("所属行业", "区域划分", "客户名称"), and part by part when it names several ("QQ/E-mail").
_LOOSE_PREFIXES = ("所属",)
_LOOSE_SUFFIXES = ("名称", "代号", "划分", "名")
_PARTS = re.compile(r"\s*(?:[/、|]|或)\s*")


def normalize(text: Any) -> str:
    """A header or choice text reduced for matching: lower case, no spaces or punctuation."""
    return _IGNORED.sub("", str(text).lower())


def labels(text: Any) -> list[str]:
    """A lazily translated text in Chinese and English."""
    out = []
    for language in LANGUAGES:
        with translation.override(language):
            out.append(str(text))
    return out


def parse_date(text: str) -> datetime.date:
    return parse_datetime(text, date_only=True)  # type: ignore[return-value]


def parse_datetime(text: str, *, date_only: bool = False) -> datetime.date | datetime.datetime:
    """2026-11-27, 2026/11/27, 2026.11.27, 2026年11月27日 or 20261127, with an optional time."""
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise ValidationError(_("“%(value)s” is not a date (write 2026-11-27).") % {"value": text})
    parts = [int(p) if p else 0 for p in match.groups()]
    parts += [0] * (6 - len(parts))
    try:
        if date_only:
            if any(parts[3:]):
                raise ValidationError(
                    _("“%(value)s” has a time; a date is expected.") % {"value": text}
                )
            return datetime.date(*parts[:3])
        return datetime.datetime(*parts, tzinfo=timezone.get_current_timezone())
    except ValueError as exc:
        raise ValidationError(_("“%(value)s” is not a real date.") % {"value": text}) from exc


def parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValidationError(_("“%(value)s” is neither yes nor no.") % {"value": text})


def parse_number(text: str) -> str:
    return _NUMBER_NOISE.sub("", text)


class Lookup:
    """Texts (codes, labels, names) to one value each; a text naming several is ambiguous.

    Retired values (a deactivated item, a user who left) are known so that a record keeps
    the one it has (an exported list imports back), but never newly set (engine.py)."""

    def __init__(self, what: str):
        self.what = what
        self.values: dict[str, Any] = {}
        self.ambiguous: set[str] = set()
        self.retired: set[Any] = set()
        self.allowed: list[str] = []  # what an error offers instead (labels, as shown)

    def add(self, value: Any, *texts: Any, retired: bool = False) -> None:
        """Add active values before retired ones: a retired value never hides another."""
        if retired:
            self.retired.add(value)
        for text in {normalize(t) for t in texts if t}:
            if text not in self.values:
                self.values[text] = value
            elif self.values[text] != value and not retired:
                self.ambiguous.add(text)

    def __call__(self, text: str) -> Any:
        key = normalize(text)
        if key in self.ambiguous:
            raise ValidationError(
                _("“%(value)s” could be more than one %(what)s; write the code or username.")
                % {"value": text, "what": self.what}
            )
        if key not in self.values:
            raise ValidationError(self.unknown(text))
        return self.values[key]

    def unknown(self, text: str) -> str:
        """The error for a text that names no value, listing the allowed ones if few."""
        what = {"value": text, "what": self.what}
        if not self.allowed or len(self.allowed) > MAX_LISTED:
            return _("“%(value)s” is not a valid %(what)s.") % what
        return _("“%(value)s” is not a valid %(what)s. Allowed values: %(allowed)s.") % {
            **what,
            "allowed": pgettext("list separator", ", ").join(self.allowed),
        }

    def choices(self) -> list[str]:
        return sorted(self.values)


@dataclass
class Target:
    """An importable field: `key` is the field name, or "cf.<name>" for a custom field."""

    key: str
    label: str
    names: set[str]
    required: bool
    convert: Callable[[str], Any]
    field: models.Field | None = None
    reference: type[models.Model] | None = None  # a record looked up per batch
    custom: Any = None  # the CustomField definition
    line: bool = False  # a field of the document's lines ("line.<name>")
    synonyms: set[str] = dataclasses.field(default_factory=set)  # other headers, normalised
    child: bool = False  # a field of the first related record ("contact.<name>")

    @property
    def attname(self) -> str:
        return self.field.attname if self.field is not None else self.key


def _text(value: str) -> str:
    return value


def _users() -> Lookup:
    lookup = Lookup(_("user"))
    users = get_user_model().objects.order_by("-is_active", "pk")
    rows = list(users.values_list("pk", "username", "full_name", "is_active"))
    for pk, _username, full_name, active in rows:
        lookup.add(pk, full_name, retired=not active)
    for pk, username, _full_name, active in rows:
        if active:  # an active user's username always wins over a name
            lookup.values[normalize(username)] = pk
            lookup.ambiguous.discard(normalize(username))
        else:
            lookup.add(pk, username, retired=True)
    return lookup


def _configuration(field: models.ForeignKey) -> Lookup:
    """Configuration rows a form offers for `field` (a sales process), by name; an inactive
    one stays on the records holding it."""
    lookup = Lookup(str(field.verbose_name))
    offered = field.related_model._default_manager.complex_filter(field.get_limit_choices_to())
    rows = sorted(offered, key=lambda row: not getattr(row, "is_active", True))
    for row in rows:
        active = getattr(row, "is_active", True)
        lookup.add(row.pk, str(row), retired=not active)
        if active:
            lookup.allowed.append(str(row))
    return lookup


class ItemLookup(Lookup):
    """The items of one dictionary: the values of a dictionary field (item ids) or of a
    custom choice field (item codes). A text naming none can be mapped to an item, or
    added as one, before the import starts (services.unknown_values)."""

    def __init__(self, what: str, dictionary_id: int | None, items, *, by_code: bool):
        super().__init__(what)
        self.dictionary_id = dictionary_id
        self.items: list[tuple[str, str]] = []  # (code, label) of the active items
        self.labels: list[tuple[str, str]] = []  # (a label in either language, normalised; code)
        for item in items:  # active ones first
            value = item.code if by_code else item.pk
            lookup_texts = (item.code, item.label_zh, item.label_en)
            self.add(value, *lookup_texts, retired=not item.is_active)
            if item.is_active:
                self.items.append((item.code, str(item.label)))
                self.allowed.append(str(item.label))
                self.labels.extend((normalize(t), item.code) for t in lookup_texts[1:] if t)

    def parts(self, text: str) -> list[str]:
        """The values a cell names: the cell itself (several in a multi-choice cell)."""
        return [text]

    def knows(self, text: str) -> bool:
        return normalize(text) in self.values

    def closest(self, text: str) -> str:
        """The code of the item whose label the text holds or is part of ("老客户介绍":
        客户介绍), the longest such; "" when none is."""
        key = normalize(text)
        near = [(len(label), code) for label, code in self.labels if label in key or key in label]
        return max(near)[1] if near else ""


class MultiItemLookup(ItemLookup):
    """The items of a multi-choice custom field: a cell names several ("网络;老客户介绍"),
    each mapped, added or left empty on its own; the value is the list of their codes,
    each once."""

    def parts(self, text: str) -> list[str]:
        return [part for part in _MULTI_SEPARATOR.split(text) if part]

    def __call__(self, text: str) -> list[Any]:
        one = super().__call__
        return list(dict.fromkeys(one(part) for part in self.parts(text)))


def _dictionary(code: str, what: str) -> ItemLookup:
    DictionaryItem = extensions.customization().DictionaryItem

    Dictionary = DictionaryItem._meta.get_field("dictionary").related_model
    dictionary_id = Dictionary.objects.filter(code=code).values_list("pk", flat=True).first()
    items = DictionaryItem.objects.filter(dictionary_id=dictionary_id)
    items = items.order_by("-is_active", "sort_order", "pk")
    return ItemLookup(what, dictionary_id, items, by_code=False)


def _items_by_id(dictionary_id: int, what: str, *, multiple: bool = False) -> ItemLookup:
    DictionaryItem = extensions.customization().DictionaryItem

    items = DictionaryItem.objects.filter(dictionary_id=dictionary_id, is_active=True)
    kind = MultiItemLookup if multiple else ItemLookup
    return kind(what, dictionary_id, items.order_by("sort_order", "pk"), by_code=True)


def _choices(field: models.Field) -> Lookup:
    lookup = Lookup(str(field.verbose_name))
    for value, label in field.flatchoices:
        if value != "":
            lookup.add(value, value, *labels(label))
            lookup.allowed.append(str(label))
    return lookup


def _names(key: str, *texts: Any) -> set[str]:
    names = {normalize(key)}
    for text in texts:
        names.update(normalize(t) for t in labels(text))
    return names - {""}


class Schema:
    """The importable fields of one type for one importer, lookups loaded once."""

    def __init__(self, object_type: registry.ObjectType):
        self.object_type = object_type
        model = object_type.model
        self.targets: dict[str, Target] = {}
        users: Lookup | None = None
        column_labels = {c.name: c.label for c in object_type.columns}
        own = object_type.import_synonyms
        synonyms = {
            k: (*COMMON_SYNONYMS.get(k, ()), *own.get(k, ())) for k in {*COMMON_SYNONYMS, *own}
        }
        machine = object_type.state_machine
        # The status moves only through its transitions: a status column is left unmatched.
        skip = set(machine.fixed) if machine else set()
        for name in [*EXTRA_FIELDS, *object_type.form._meta.fields]:
            if name in self.targets or name in skip:
                continue
            field = model._meta.get_field(name)
            convert: Callable[[str], Any] = _text
            reference = None
            if isinstance(field, models.ForeignKey):
                related = field.related_model
                if related is get_user_model():
                    users = users or _users()
                    convert = users
                elif getattr(field, "dictionary_code", None):
                    convert = _dictionary(field.dictionary_code, str(field.verbose_name))
                elif registry.for_model(related) is None:
                    convert = _configuration(field)
                else:
                    reference = related
            elif field.choices:
                convert = _choices(field)
            elif isinstance(field, models.BooleanField):
                convert = parse_bool
            elif isinstance(field, models.DateTimeField):
                convert = parse_datetime
            elif isinstance(field, models.DateField):
                convert = parse_date
            elif isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
                convert = parse_number
            required = not field.blank and not field.has_default() and name != "owner"
            self.targets[name] = Target(
                key=name,
                label=str(field.verbose_name),
                names=_names(name, field.verbose_name, column_labels.get(name, "")),
                required=required,
                convert=convert,
                field=field,
                reference=reference,
                synonyms={normalize(t) for t in synonyms.get(name, ())},
            )
        CustomFieldChecker = extensions.customization().CustomFieldChecker

        self.custom_fields = CustomFieldChecker(model)
        for definition in self.custom_fields.definitions:
            key = f"cf.{definition.name}"
            self.targets[key] = Target(
                key=key,
                label=definition.label,
                names={
                    normalize(definition.name),
                    *(normalize(t) for t in (definition.label_zh, definition.label_en) if t),
                },
                required=definition.required,
                convert=self._custom_converter(definition, users),
                custom=definition,
            )

        if object_type.lines is not None:
            self._add_line_targets(object_type.lines)
        if object_type.import_child is not None:
            self._add_child_targets(object_type.import_child)

    def _add_child_targets(self, child: registry.ImportChild) -> None:
        """The fields of the first related record, headed with its type's name ("联系人手机",
        "Contact mobile"; the bare name, "联系人", is its title). Its synonyms alone name it
        when the record has no field of that name ("手机")."""
        child_type = registry.get(child.type_key)
        targets = Schema(child_type).targets
        prefixes = _names("", child_type.model._meta.verbose_name)
        label = capfirst(child_type.model._meta.verbose_name)
        for name in child.fields:
            target = targets[name]
            names = {p + n for p in prefixes for n in target.names}
            if name == child_type.search.title:
                names |= prefixes
            self.targets[f"{child.type_key}.{name}"] = dataclasses.replace(
                target,
                key=f"{child.type_key}.{name}",
                label=f"{label}·{capfirst(target.label)}",
                names=names,
                synonyms=target.synonyms | {p + n for p in prefixes for n in target.synonyms},
                required=False,
                child=True,
            )

    def _add_line_targets(self, spec: registry.LineSpec) -> None:
        """The typed fields of the lines, headed as an export heads them ("Line·Product")."""
        line_label = capfirst(spec.model._meta.verbose_name)
        for name in spec.fields:
            field = spec.model._meta.get_field(name)
            label = format_lazy("{}·{}", line_label, capfirst(field.verbose_name))
            number = isinstance(field, models.DecimalField | models.IntegerField)
            self.targets[f"line.{name}"] = Target(
                key=f"line.{name}",
                label=str(label),
                names=_names(f"line.{name}", label),
                required=False,
                convert=parse_number if number else _text,
                field=field,
                line=True,
            )

    def _custom_converter(self, definition, users: Lookup | None) -> Callable[[str], Any]:
        kind = definition.field_type
        if kind == "choice":
            return _items_by_id(definition.dictionary_id, definition.label)
        if kind == "multichoice":
            return _items_by_id(definition.dictionary_id, definition.label, multiple=True)
        if kind == "user":
            return users or _users()
        if kind == "boolean":
            return parse_bool
        if kind == "date":
            return lambda text: parse_date(text).isoformat()
        if kind == "datetime":
            return lambda text: parse_datetime(text).isoformat()
        if kind == "money":
            return lambda text: str(money.parse_amount(text))
        if kind in ("integer", "decimal"):
            return parse_number
        return _text

    def auto_map(self, headers: list[str], remembered: dict[str, str] | None = None) -> list[str]:
        """The field each header fills ("" for none): a remembered choice first (a
        template's, or what this user chose before, by normalised header), then labels,
        then synonyms, loosely matched; each field is taken once."""
        by_label: dict[str, str] = {}
        by_synonym: dict[str, str] = {}
        for target in self.targets.values():
            for name in target.names:
                by_label.setdefault(name, target.key)
            for name in target.synonyms:
                by_synonym.setdefault(name, target.key)
        known = {normalize(h): key for h, key in (remembered or {}).items()}
        taken: set[str] = set()
        mapping = []
        for header in headers:
            key = known.get(normalize(header))
            if key is None:
                key = self._match_header(header, by_label) or self._match_header(header, by_synonym)
            if key not in self.targets or key in taken:
                key = ""
            taken.add(key)
            mapping.append(key)
        return mapping

    def _match_header(self, header: str, by_name: dict[str, str]) -> str:
        """The field a header names: as written, after the type's own name ("客户等级",
        "Customer level", "联系人手机"), without words such as 所属/名称/划分 around it, or
        by its first part that names one ("QQ/E-mail")."""
        for text in [header, *(p for p in _PARTS.split(header) if p != header)]:
            for candidate in self._loose(normalize(text)):
                if candidate in by_name:
                    return by_name[candidate]
        return ""

    def _loose(self, header: str) -> list[str]:
        """A normalised header, then without the type's name, then without loose words."""
        prefixes = [*_names("", self.object_type.model._meta.verbose_name), *_LOOSE_PREFIXES]
        found = [header]
        found += [header[len(p) :] for p in prefixes if header.startswith(p) and header != p]
        found += [t[: -len(s)] for t in list(found) for s in _LOOSE_SUFFIXES if t.endswith(s)]
        return [t for t in found if t]

    def missing_required(self, mapping: list[str]) -> list[Target]:
        """Required fields no column fills (owner and number are filled for new records)."""
        mapped = set(mapping)
        return [
            t
            for t in self.targets.values()
            if t.required and t.key not in mapped and t.custom is None
        ]

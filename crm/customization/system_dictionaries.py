"""A system dictionary an app installs with its migrations (无效原因, 计量单位 …):
`install(code, name_zh, name_en, items)` is the migration operation that creates the
dictionary and its items (code, Chinese label, English label), in order, where missing,
and removes the dictionary when migrated back."""

from __future__ import annotations

from django.db import migrations


def install(
    code: str, name_zh: str, name_en: str, items: list[tuple[str, str, str]]
) -> migrations.RunPython:
    def create(apps, schema_editor) -> None:
        Dictionary = apps.get_model("customization", "Dictionary")
        DictionaryItem = apps.get_model("customization", "DictionaryItem")
        dictionary, _created = Dictionary.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "is_system": True, "version": 1},
        )
        for position, (item, label_zh, label_en) in enumerate(items, start=1):
            DictionaryItem.objects.get_or_create(
                dictionary=dictionary,
                code=item,
                defaults={
                    "label_zh": label_zh,
                    "label_en": label_en,
                    "sort_order": position,
                    "version": 1,
                },
            )

    def remove(apps, schema_editor) -> None:
        apps.get_model("customization", "Dictionary").objects.filter(
            code=code, is_system=True
        ).delete()

    return migrations.RunPython(create, remove)

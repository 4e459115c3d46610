"""Selects written by crm.core.forms.FormRenderer are Django's own, option for option:
groups, the chosen and disabled options, attributes and escaping."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from crm.core.forms import FormRenderer

CHOICES = [
    ("", "Choose…"),
    ("华东", [("sh", "上海 <总部>"), ("hz", 'Hangzhou "West"')]),
    ("bj", "北京 & 天津"),
]


class Disabling(forms.Select):
    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value == "bj":
            option["attrs"]["disabled"] = True
        return option


def written(widget: forms.Select, renderer, value) -> str:
    html = widget.render(
        "region", value, attrs={"id": "id_region", "data-x": "<'>"}, renderer=renderer
    )
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_a_select_reads_as_django_writes_it():
    for widget, value in (
        (forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True}), "hz"),
        (Disabling(choices=CHOICES), "sh"),
        (forms.SelectMultiple(choices=CHOICES), ["sh", "bj"]),
        (forms.NullBooleanSelect(), True),
    ):
        ours = written(widget, FormRenderer(), value)
        assert ours == written(widget, DjangoTemplates(), value)
        assert "<script" not in ours
    html = written(forms.Select(choices=CHOICES), FormRenderer(), "hz")
    assert '<option value="hz" selected>Hangzhou &quot;West&quot;</option>' in html
    assert "上海 &lt;总部&gt;" in html and 'data-x="&lt;&#x27;&gt;"' in html


def test_a_select_reads_no_template(monkeypatch):
    renderer = FormRenderer()
    monkeypatch.setattr(renderer, "get_template", lambda name: pytest.fail(f"read {name}"))
    assert 'value="hz" selected' in written(forms.Select(choices=CHOICES), renderer, "hz")

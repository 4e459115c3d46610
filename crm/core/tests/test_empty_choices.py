"""A select with nothing chosen prompts "Choose…" (请选择) on record and settings forms,
never Django's "---------"."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.customers.models import Customer
from crm.customization.models import CustomField, Dictionary, FieldType

FORMS = ["/customers/new/", "/contacts/new/", "/settings/fields/customer/new/", "/org/units/new/"]


@pytest.fixture
def grade_field(db):
    """A custom choice field on customers, whose select has its own empty choice."""
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="grade",
        label_zh="客户评级",
        label_en="Grade",
        field_type=FieldType.CHOICE,
        dictionary=Dictionary.objects.get(code="industry"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "prompt"), [("en", "Choose…"), ("zh-hans", "请选择")])
def test_form_selects_prompt_a_choice_instead_of_dashes(
    admin, client_for, grade_field, language, prompt
):
    admin.language = language
    admin.save(update_fields=["language"])
    client = client_for(admin)

    pages = {url: client.get(url).content.decode() for url in FORMS}

    empty = re.compile(rf'<option value=""( selected)?>{prompt}</option>')
    for url, content in pages.items():
        assert "---------" not in content, url
        assert empty.search(content), url
    assert len(empty.findall(pages["/customers/new/"])) >= 2  # the custom "Grade" too

"""A Chinese user reads Chinese: the main pages, over the demo company's data, show no raw
choice value of a registered type and no English word outside a short list of names and
codes that stay as they are (brands, file formats, units)."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.test import Client
from django.utils import timezone, translation

from crm import demo
from crm.conftest import signed_in
from crm.core import registry, services
from crm.customers.models import Contact, Customer
from crm.customization.models import Dictionary, DictionaryItem
from crm.org.models import Employee, Role, User

# Words that stay as they are in Chinese text: names of products and formats, and short codes.
ALLOWED = {
    "Excel", "xlsx", "xls", "csv", "Microsoft", "Google", "Authenticator", "FreeOTP",
    "Chrome", "Windows", "Linux", "macOS", "Mac", "Edge", "Firefox", "Safari", "WeChat",
    "iOS", "iPadOS", "Android", "English", "px", "Ctrl", "Esc", "Enter", "Shift", "Tab",
}  # fmt: skip
_LATIN_BEFORE, _LATIN_AFTER = r"(?<![A-Za-z])", r"(?![A-Za-z])"
# Text that is data, not wording: e-mail and web addresses, codes with digits or
# underscores (C202600299, 0755-86072000, customer_source), capitals (pinyin initials,
# grades, API, CSV), date patterns of numbering rules (yyyyMMdd).
_DATA = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|https?://\S+|www\.\S+|[\w-]+\.(com|cn|net|org)(\.cn)?"
    rf"|{_LATIN_BEFORE}[A-Za-z_-]*[\d_][\w-]*"
    rf"|{_LATIN_BEFORE}[A-Z]+{_LATIN_AFTER}"
    rf"|{_LATIN_BEFORE}y{{2,4}}(MM)?(dd)?{_LATIN_AFTER}"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles or templates, nor key names (<kbd>), plus
    what controls and images say (placeholders, titles, labels, alternative text)."""

    _HIDDEN = {"script", "style", "template", "noscript", "kbd"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self._skip += 1
        attributes = dict(attrs)
        for name in ("placeholder", "title", "aria-label", "alt"):
            if attributes.get(name):
                self.parts.append(attributes[name])

    def handle_endtag(self, tag):
        if tag in self._HIDDEN and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_words(text: str, data: frozenset[str] = frozenset()) -> set[str]:
    """Words in Latin letters that are neither data (`data`: values people typed, shown as
    they are: user names, codes, the English labels of a dictionary) nor allowed."""
    for value in sorted(data, key=len, reverse=True):
        text = re.sub(_LATIN_BEFORE + re.escape(value) + _LATIN_AFTER, " ", text)
    words = set(_WORD.findall(_DATA.sub(" ", text)))
    return {w for w in words if w not in ALLOWED}


def typed_values() -> frozenset[str]:
    """What people typed that pages show as it is: user names, codes of roles and
    dictionaries, and the English labels the dictionary pages list beside the Chinese."""
    values = [
        *User.objects.values_list("username", flat=True),
        *Role.objects.values_list("code", flat=True),
        *Dictionary.objects.values_list("code", flat=True),
        *DictionaryItem.objects.values_list("code", flat=True),
        *DictionaryItem.objects.values_list("label_en", flat=True),
    ]
    return frozenset(v for v in values if v)


def raw_choice_values() -> set[str]:
    """The stored values of the registered types' choice fields that differ from their
    labels (end, potential, intermediate ...), as words."""
    values = set()
    for object_type in registry.all_types():
        for field in object_type.model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value and value != str(label):
                    values.add(value)
    return values


@pytest.fixture
def demo_company(db):
    demo.load()
    admin = User.objects.get(username="admin")
    customer = Customer.objects.get(name="金蝶软件")
    # A day's work on it, so that the change log and the timeline have something to show.
    customer.source = DictionaryItem.objects.filter(dictionary__code="customer_source").last()
    customer.owner = User.objects.get(username="sales2")
    services.save(customer, actor=admin)
    services.delete(customer, actor=admin)
    services.restore(Customer.all_objects.get(pk=customer.pk), actor=admin)
    return admin, customer


def _pages(customer: Customer) -> list[str]:
    contact = Contact.objects.filter(customer=customer).first() or Contact.objects.first()
    assert contact is not None
    role = Role.objects.get(code="salesperson")
    dictionary = Dictionary.objects.get(code="customer_source")
    user = User.objects.get(username="sales1")
    employee = Employee.objects.filter(user=user).get()
    return [
        "/",
        "/search/?q=金蝶",
        "/customers/",
        f"/customers/{customer.pk}/",
        f"/customers/{customer.pk}/edit/",
        "/customers/new/",
        "/customers/trash/",
        "/customers/import/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        f"/contacts/{contact.pk}/edit/",
        "/imports/",
        "/org/logs/changes/",
        f"/org/logs/changes/?type=customers.customer&record={customer.pk}",
        "/org/logs/logins/",
        "/org/units/",
        "/org/employees/",
        "/org/teams/",
        "/org/users/",
        "/org/roles/",
        f"/org/roles/{role.pk}/edit/",
        "/org/security/",
        "/settings/dictionaries/",
        f"/settings/dictionaries/{dictionary.pk}/",
        "/settings/fields/",
        "/settings/numbering/",
        "/settings/exchange-rates/",
        "/accounts/2fa/totp/activate/",
        "/customers/?_panel=filters",
        "/contacts/?_panel=filters",
        "/settings/",
        "/settings/fields/customer/",
        "/settings/fields/customer/new/",
        f"/settings/dictionaries/{dictionary.pk}/edit/",
        "/org/roles/new/",
        f"/org/users/{user.pk}/edit/",
        f"/org/employees/{employee.pk}/edit/",
        "/org/handovers/",
        "/org/handovers/new/",
        "/org/logs/online/",
    ]


def test_chinese_pages_show_no_english_words_nor_raw_choice_values(demo_company):
    admin, customer = demo_company
    assert admin.language == "zh-hans"
    client = signed_in(admin)
    raw = raw_choice_values()
    typed = typed_values()
    found = {}
    for url in _pages(customer):
        response = client.get(url)
        assert response.status_code == 200, url
        text = shown_text(response.content.decode())
        words = english_words(text, typed)
        if words:
            found[url] = sorted(words)
        assert not (words & raw), (url, sorted(words & raw))
    assert found == {}


def test_the_sign_in_page_names_each_language_in_its_own_language(db):
    page = shown_text(Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/login/").content.decode())
    assert "简体中文" in page and "English" in page
    assert "英语" not in page
    assert english_words(page) == set()


def test_two_factor_setup_says_key_and_code_as_chinese_users_do(make_user):
    admin = make_user("boss", language="zh-hans", is_superuser=True)
    page = signed_in(admin).get("/accounts/2fa/totp/activate/").content.decode()
    assert ">密钥<" in page and ">验证码<" in page
    assert "标识" not in page and "编码" not in page


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(21, "21秒前"), (300, "5分钟前"), (7200, "2小时前"), (3 * 86400, "3天前"),
     (45 * 86400, "1个月，2周前"), (-30, "29秒后")],
)  # fmt: skip
def test_relative_times_read_as_chinese_users_say_them(seconds, shown):
    moment = timezone.now() - datetime.timedelta(seconds=seconds)
    with translation.override("zh-hans"):
        assert naturaltime(moment) == shown


def test_invalid_email_addresses_are_called_mailbox_addresses():
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            validate_email("not-an-address")
        message = refused.value.messages[0]  # a lazy text: read it in Chinese
    assert "邮箱" in message and "Email" not in message

"""Personal numbers are masked in every output; showing one in full is explicit and logged."""

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.conftest import signed_in
from crm.core import registry, search, services
from crm.core.masking import mask
from crm.core.models import Disclosure, SearchEntry
from crm.core.testing.api import ApiClient
from crm.core.tests.test_imports import run as run_import
from crm.core.text import phone_tokens
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import CustomField
from crm.org.models import Role, RolePermission

PHONE = "13812345678"


@pytest.fixture
def unmasker(make_user):
    role = Role.objects.create(
        code="unmasker", name_zh="看号", name_en="Unmasker", specials=["unmask"]
    )
    RolePermission.objects.create(
        role=role,
        type_key="*",
        view_scope="own",
        edit_scope="own",
        actions=["view", "create", "edit", "delete", "export"],
    )
    return make_user("ursula", roles=[role])


def test_mask_keeps_the_ends():
    assert mask(PHONE) == "138****5678"
    assert mask("0755-86072000") == "075****2000"
    assert mask("") == ""


@pytest.mark.django_db
def test_pages_show_the_number_masked(alice, client_for):
    customer = make_customer(alice, phone=PHONE)
    client = client_for(alice)
    listing = client.get("/customers/", {"col": ["name", "phone"]}).content.decode()
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    for page in (listing, detail):
        assert PHONE not in page
        assert "138****5678" in page


@pytest.mark.django_db
def test_exports_and_api_mask_for_users_without_the_permission(
    alice, unmasker, client_for, api_for
):
    for user, expected in ((alice, "138****5678"), (unmasker, PHONE)):
        customer = make_customer(user, name=f"{user.username}公司", phone=PHONE)
        export = client_for(user).get(
            "/customers/export/", {"format": "csv", "col": ["name", "phone"]}
        )
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text)))[1] == [customer.name, expected]
        assert api_for(user).get(f"/api/v1/customers/{customer.pk}/").json()["phone"] == expected
        listed = api_for(user).get("/api/v1/customers/").json()["items"]
        assert [c["phone"] for c in listed] == [expected]


@pytest.mark.django_db
def test_sending_the_masked_number_back_keeps_the_real_one(alice, client_for, api_for):
    customer = make_customer(alice, phone=PHONE)
    api = api_for(alice)
    response = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "138****5678", "city": "深圳", "version": 1}
    )
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()
    assert (customer.phone, customer.city) == (PHONE, "深圳")
    client = client_for(alice)
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    assert form["phone"].value() == "138****5678"
    data = {n: form[n].value() for n in form.fields if form[n].value() not in (None, False)}
    data["city"] = "上海"
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.city) == (PHONE, "上海")
    api.patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "13900001111", "version": customer.version}
    )
    customer.refresh_from_db()
    assert customer.phone == "13900001111"


@pytest.mark.django_db
def test_showing_a_number_in_full_is_logged_and_needs_the_permission(alice, unmasker, client_for):
    mine = make_customer(unmasker, phone=PHONE)
    theirs = make_customer(alice, name="别人的", phone=PHONE)
    client = client_for(unmasker)
    detail = client.get(f"/customers/{mine.pk}/").content.decode()
    assert "data-unmask" in detail
    shown = client.post(f"/customers/{mine.pk}/unmask/phone/")
    assert PHONE in shown.content.decode()
    (logged,) = Disclosure.objects.all()
    assert (logged.user, logged.field, logged.object_id) == (unmasker, "phone", mine.pk)
    assert client.post(f"/customers/{theirs.pk}/unmask/phone/").status_code == 404
    assert client.post(f"/customers/{mine.pk}/unmask/name/").status_code == 403
    assert client_for(alice).post(f"/customers/{theirs.pk}/unmask/phone/").status_code == 403
    assert "data-unmask" not in client_for(alice).get(f"/customers/{theirs.pk}/").content.decode()
    assert Disclosure.objects.count() == 1


@pytest.mark.django_db
def test_the_timeline_masks_changed_numbers(alice, client_for):
    customer = make_customer(alice, phone=PHONE)
    customer.phone = "13900001111"
    services.save(customer, actor=alice, expected_version=1)
    page = client_for(alice).get(f"/customers/{customer.pk}/").content.decode()
    assert "13900001111" not in page and "139****1111" in page


# Search, filters and sorting -------------------------------------------------------------

MOBILE = "13012343250"  # shown as 130****3250
HIDDEN = ["1301", "13012", "0123", "1234", "43250", "12343250"]  # reach past the mask
VISIBLE = ["130", "13", "3250", "250", MOBILE]  # within what the mask shows, or all of it


def found_by(user, query: str) -> dict[str, list[str]]:
    """The names each search surface finds for `query`, as `user`."""
    page = signed_in(user).get("/contacts/", {"q": query, "col": "name"}).context
    api = ApiClient.for_user(user)
    return {
        "list page": [row["cells"][0][0] for row in page["rows"]],
        "list count": [str(page["count"])],
        "API list": [c["name"] for c in api.get("/api/v1/contacts/", {"q": query}).json()["items"]],
        "type-ahead": [
            c["name"]
            for c in api.get("/api/v1/contacts/", {"q": query, "limit": 20}).json()["items"]
        ],
        "global search": [
            h.title for g in search.search(user, query) for h in g.hits if g.slug == "contacts"
        ],
    }


def nothing() -> dict[str, list[str]]:
    return {
        "list page": [],
        "list count": ["0"],
        "API list": [],
        "type-ahead": [],
        "global search": [],
    }


def only(name: str) -> dict[str, list[str]]:
    return {**{k: [name] for k in nothing()}, "list count": ["1"]}


@pytest.fixture
def contact_of(db):
    def make(owner, **fields):
        customer = make_customer(owner, name=f"{owner.username}的公司")
        return services.save(Contact(customer=customer, owner=owner, **fields), actor=owner)

    return make


@pytest.mark.django_db
def test_a_fragment_of_a_masked_number_finds_nothing_without_unmask(alice, contact_of):
    contact_of(alice, name="张伟", mobile=MOBILE)
    for query in [*HIDDEN, ".1301@", "+13012343250@"]:  # the last two: as an email would
        assert found_by(alice, query) == nothing(), query
    for query in VISIBLE:
        assert found_by(alice, query) == only("张伟"), query


@pytest.mark.django_db
def test_holders_of_unmask_find_a_number_by_any_fragment(unmasker, contact_of):
    contact_of(unmasker, name="张伟", mobile=MOBILE)
    for query in HIDDEN + VISIBLE:
        assert found_by(unmasker, query) == only("张伟"), query


@pytest.mark.django_db
def test_a_name_and_the_visible_digits_still_find_together(alice, contact_of):
    contact_of(alice, name="张伟", mobile=MOBILE, phone="0755-86072000")
    contact_of(alice, name="张伟明", mobile="13900001111")
    assert found_by(alice, "张伟 3250") == only("张伟")
    assert found_by(alice, "zhangwei 075586072000") == only("张伟")
    assert found_by(alice, "张伟 0755") == nothing()  # 075****2000: the 5 is hidden


@pytest.mark.django_db
def test_lists_sort_by_a_masked_number_only_for_holders_of_unmask(
    alice, unmasker, contact_of, monkeypatch
):
    contacts = registry.get("contact")
    monkeypatch.setattr(contacts, "orderings", (*contacts.orderings, "mobile", "-mobile"))
    for user in (alice, unmasker):
        contact_of(user, name="乙", mobile="13800001111")
        contact_of(user, name="甲", mobile="13900001111")

    def order(user, ordering):
        page = signed_in(user).get("/contacts/", {"ordering": ordering, "col": "name"})
        api = ApiClient.for_user(user).get("/api/v1/contacts/", {"ordering": ordering})
        return (
            [row["cells"][0][0] for row in page.context["rows"]],
            [c["name"] for c in api.json()["items"]],
        )

    # Without unmask the order (and the page cursor) would tell the hidden digits apart:
    # the list keeps its default order, newest first.
    assert order(alice, "mobile") == order(alice, "-updated_at") == (["甲", "乙"], ["甲", "乙"])
    assert order(unmasker, "mobile") == (["乙", "甲"], ["乙", "甲"])


def test_no_list_filter_reads_a_masked_field():
    """Masked numbers are found by the quick search, which knows who may see what; a list
    filter on one would answer to fragments."""
    for object_type in registry.all_types():
        filters = object_type.filterset.base_filters.values()
        read = {f.field_name.split("__")[0].removesuffix("_id") for f in filters}
        assert not read & set(object_type.masked), object_type.key


# Custom fields of a masked kind ----------------------------------------------------------


@pytest.fixture
def backup_mobile(db):
    return CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="backup_mobile",
        label_zh="备用手机",
        label_en="Backup mobile",
        field_type="phone",
    )


@pytest.mark.django_db
def test_custom_phone_fields_are_masked_everywhere_without_unmask(
    alice, unmasker, backup_mobile, client_for, api_for
):
    for user, expected in ((alice, "130****3250"), (unmasker, MOBILE)):
        customer = make_customer(
            user, name=f"{user.username}公司", custom_field_data={"backup_mobile": MOBILE}
        )
        api = api_for(user)
        detail = api.get(f"/api/v1/customers/{customer.pk}/").json()
        assert detail["custom_fields"] == {"backup_mobile": expected}
        listed = api.get("/api/v1/customers/").json()["items"]
        assert [c["custom_fields"] for c in listed] == [{"backup_mobile": expected}]
        client = client_for(user)
        export = client.get(
            "/customers/export/", {"format": "csv", "col": ["name", "cf.backup_mobile"]}
        )
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text)))[1] == [customer.name, expected]
        # Pages mask for everyone; holders show one number with a logged action.
        listing = client.get("/customers/", {"col": ["name", "cf.backup_mobile"]})
        page = client.get(f"/customers/{customer.pk}/").content.decode()
        for html in (listing.content.decode(), page):
            assert MOBILE not in html
            assert "130****3250" in html
    shown = client_for(unmasker).post(f"/customers/{customer.pk}/unmask/backup_mobile/")
    assert shown.status_code == 200 and MOBILE in shown.content.decode()
    (logged,) = Disclosure.objects.all()
    assert (logged.user, logged.field, logged.object_id) == (
        unmasker,
        "backup_mobile",
        customer.pk,
    )
    theirs = Customer.objects.get(owner=alice)
    assert (
        client_for(alice).post(f"/customers/{theirs.pk}/unmask/backup_mobile/").status_code == 403
    )


@pytest.mark.django_db
def test_a_custom_phone_filter_answers_only_to_the_whole_number_without_unmask(
    alice, unmasker, backup_mobile, client_for, api_for
):
    for user in (alice, unmasker):
        make_customer(
            user, name=f"{user.username}公司", custom_field_data={"backup_mobile": MOBILE}
        )

    def names(user, value):
        page = client_for(user).get("/customers/", {"cf_backup_mobile": value, "col": "name"})
        api = api_for(user).get("/api/v1/customers/", {"cf_backup_mobile": value}).json()
        return [r["cells"][0][0] for r in page.context["rows"]], [c["name"] for c in api["items"]]

    assert names(alice, "1301") == ([], [])
    assert names(alice, MOBILE) == (["alice公司"], ["alice公司"])
    assert names(unmasker, "1301") == (["ursula公司"], ["ursula公司"])


@pytest.mark.django_db
def test_sending_a_masked_custom_number_back_keeps_the_real_one(
    alice, backup_mobile, client_for, api_for
):
    customer = make_customer(alice, custom_field_data={"backup_mobile": MOBILE})
    response = api_for(alice).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"custom_fields": {"backup_mobile": "130****3250"}, "city": "深圳", "version": 1},
    )
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()
    assert (customer.custom_field_data, customer.city) == ({"backup_mobile": MOBILE}, "深圳")
    client = client_for(alice)
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    assert form["cf_backup_mobile"].value() == "130****3250"
    data = {n: form[n].value() for n in form.fields if form[n].value() not in (None, False)}
    data["city"] = "上海"
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    customer.refresh_from_db()
    assert (customer.custom_field_data, customer.city) == ({"backup_mobile": MOBILE}, "上海")


@pytest.mark.django_db
def test_the_timeline_masks_changed_custom_numbers(alice, backup_mobile, client_for):
    customer = make_customer(alice, custom_field_data={"backup_mobile": MOBILE})
    customer.custom_field_data = {"backup_mobile": "13900001111"}
    services.save(customer, actor=alice, expected_version=1)
    page = client_for(alice).get(f"/customers/{customer.pk}/").content.decode()
    assert "13900001111" not in page and "139****1111" in page
    assert MOBILE not in page and "130****3250" in page


@pytest.mark.django_db
def test_an_exported_custom_number_imports_back_unchanged(
    alice, backup_mobile, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    customer = make_customer(alice, custom_field_data={"backup_mobile": MOBILE})
    Customer.objects.filter(pk=customer.pk).update(number="KH00001")
    export = client_for(alice).get(
        "/customers/export/", {"format": "csv", "col": ["name", "number", "cf.backup_mobile"]}
    )
    upload = SimpleUploadedFile("customers.csv", b"".join(export.streaming_content))
    assert "130****3250" in upload.read().decode("utf-8-sig")
    upload.seek(0)

    job = run_import(alice, upload, on_duplicate="update", match="number")

    assert job.summary["unchanged"] == 1, job.summary
    customer.refresh_from_db()
    assert customer.custom_field_data == {"backup_mobile": MOBILE}


@pytest.mark.django_db
def test_the_migration_writes_stored_tokens_again_in_the_masked_form(alice, contact_of):
    contact = contact_of(alice, name="张伟", mobile=MOBILE)
    content_type = ContentType.objects.get_for_model(Contact)
    before = {search.type_prefix(content_type.pk) + t for t in phone_tokens(MOBILE)}
    SearchEntry.objects.filter(object_id=contact.pk, content_type=content_type).update(
        tokens=" ".join(sorted(before))
    )
    assert found_by(alice, "1301")["API list"] == ["张伟"]
    migration = importlib.import_module("crm.customers.migrations.0006_masked_number_tokens")

    migration.Migration.operations[0].code(django_apps, None)

    assert found_by(alice, "1301") == nothing()
    assert found_by(alice, "张伟 " + MOBILE) == only("张伟")
    entry = SearchEntry.objects.get(object_id=contact.pk, content_type=content_type)
    assert entry.tokens == search.tokens_for(contact, registry.get("contact"), content_type.pk)


@pytest.mark.django_db
def test_the_operation_log_masks_custom_numbers(alice, make_user, backup_mobile, client_for):
    role = Role.objects.create(
        code="auditor", name_zh="审计", name_en="Auditor", specials=["view_logs"]
    )
    auditor = make_user("audrey", roles=[role])
    customer = make_customer(alice, custom_field_data={"backup_mobile": MOBILE})
    customer.custom_field_data = {"backup_mobile": "13900001111"}
    services.save(customer, actor=alice, expected_version=1)
    page = client_for(auditor).get("/org/logs/changes/").content.decode()
    assert "130****3250" in page and "139****1111" in page
    assert MOBILE not in page and "13900001111" not in page

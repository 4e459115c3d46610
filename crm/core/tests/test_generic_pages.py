"""Generic pages beyond the battery: fragments, saved views, bulk actions, attachments,
comments, bad input and error pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.core.models import Attachment, Comment
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import SavedSearch


@pytest.mark.django_db
def test_htmx_list_request_gets_only_the_results_fragment(alice, client_for):
    make_customer(alice, name="金蝶软件")
    client = client_for(alice)
    full = client.get("/customers/").content.decode()
    fragment = client.get(
        "/customers/", {"q": "jdrj"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = fragment.content.decode()
    assert "<html" in full and "<html" not in body
    assert 'id="results"' in body and "金蝶软件" in body


@pytest.mark.django_db
def test_the_url_holds_the_list_state(alice, client_for):
    make_customer(alice, name="金蝶软件", city="深圳", status="formal")
    make_customer(alice, name="用友网络", city="北京")
    page = client_for(alice).get(
        "/customers/", {"status": "formal", "col": ["name", "city"], "ordering": "name"}
    )
    assert [row["cells"] for row in page.context["rows"]] == [
        [("金蝶软件", f"/customers/{Customer.objects.get(name='金蝶软件').pk}/"), ("深圳", "")]
    ]


@pytest.mark.django_db
def test_saved_views_are_private_unless_shared(alice, bob, client_for):
    client = client_for(alice)
    client.post("/customers/views/", {"name": "深圳客户", "query": "city=深圳"})
    client.post("/customers/views/", {"name": "全部正式", "query": "status=formal", "shared": "on"})
    assert SavedSearch.objects.count() == 2
    mine = {v.name for v in client.get("/customers/").context["saved_views"]}
    theirs = {v.name for v in client_for(bob).get("/customers/").context["saved_views"]}
    assert mine == {"深圳客户", "全部正式"}
    assert theirs == {"全部正式"}
    shared = SavedSearch.objects.get(name="全部正式")
    assert client_for(bob).post(f"/customers/views/{shared.pk}/delete/").status_code == 404
    assert SavedSearch.objects.filter(pk=shared.pk).exists()


@pytest.mark.django_db
def test_bulk_delete_touches_only_what_the_user_may_change(alice, bob, client_for):
    mine = make_customer(alice, name="甲")
    theirs = make_customer(bob, name="乙")
    client_for(alice).post("/customers/bulk/", {"action": "delete", "ids": [mine.pk, theirs.pk]})
    assert list(Customer.objects.all()) == [theirs]


@pytest.mark.django_db
def test_attachments_are_served_only_to_those_who_see_the_record(alice, bob, client_for):
    customer = make_customer(alice)
    upload = SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client_for(alice).post(f"/customers/{customer.pk}/attachments/", {"file": upload})
    attachment = Attachment.objects.get()
    url = f"/customers/{customer.pk}/attachments/{attachment.pk}/"
    download = client_for(alice).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in download["Content-Disposition"]
    assert client_for(bob).get(url).status_code == 404


@pytest.mark.django_db
def test_comments_appear_on_the_timeline_and_need_visibility(alice, bob, client_for):
    customer = make_customer(alice)
    response = client_for(alice).post(
        f"/customers/{customer.pk}/comments/", {"body": "客户下周来访"}
    )
    assert "客户下周来访" in response.content.decode()
    assert (
        client_for(bob).post(f"/customers/{customer.pk}/comments/", {"body": "偷看"}).status_code
        == 404
    )
    assert list(Comment.objects.values_list("body", flat=True)) == ["客户下周来访"]


@pytest.mark.django_db
def test_over_long_text_is_a_field_error(alice, client_for, api_for):
    response = client_for(alice).post(
        "/customers/new/", {"name": "长" * 201, "customer_type": "end", "status": "potential"}
    )
    assert "name" in response.context["form"].errors
    api = api_for(alice).post("/api/v1/customers/", {"name": "长" * 201})
    assert api.status_code == 422
    assert "name" in api.json()["fields"]
    assert Customer.all_objects.count() == 0


@pytest.mark.django_db
def test_unknown_pages_and_records_get_the_404_page(alice, client_for):
    client = client_for(alice)
    for url in ("/no/such/page/", "/customers/999999/", "/customers/999999/edit/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "<html" in response.content.decode()


@pytest.mark.django_db
def test_garbage_in_list_parameters_never_breaks_the_page(alice, client_for):
    make_customer(alice)
    client = client_for(alice)
    assert client.get("/customers/", {"cursor": "%%%"}).status_code == 400
    for params in (
        {"per_page": "many"},
        {"ordering": "password"},
        {"level": "abc"},
        {"col": "secret"},
        {"q": "'\"):*&|!"},
        {"updated_after": "yesterday"},
    ):
        assert client.get("/customers/", params).status_code == 200, params


@pytest.mark.django_db
def test_lists_filter_on_custom_fields(alice, client_for):
    from django.contrib.contenttypes.models import ContentType

    from crm.customization.models import CustomField, Dictionary, DictionaryItem

    grade = Dictionary.objects.create(code="grade", name_zh="等级", name_en="Grade")
    DictionaryItem.objects.create(dictionary=grade, code="gold", label_zh="金牌", label_en="Gold")
    content_type = ContentType.objects.get_for_model(Customer)
    CustomField.objects.create(
        content_type=content_type,
        name="grade",
        label_zh="等级",
        label_en="Grade",
        field_type="choice",
        dictionary=grade,
    )
    CustomField.objects.create(
        content_type=content_type,
        name="products",
        label_zh="主营产品",
        label_en="Products",
        field_type="text",
    )
    make_customer(alice, name="甲", custom_field_data={"grade": "gold", "products": "ERP 软件"})
    make_customer(alice, name="乙", custom_field_data={"products": "硬件"})
    client = client_for(alice)

    def names(params):
        return [row["cells"][0][0] for row in client.get("/customers/", params).context["rows"]]

    assert names({"cf_grade": "gold", "col": "name"}) == ["甲"]
    assert names({"cf_products": "erp", "col": "name"}) == ["甲"]
    panel = client.get("/customers/", {"_panel": "filters"}).content.decode()
    assert "Gold" in panel


@pytest.mark.django_db
def test_filter_and_view_panels_load_when_opened(alice, client_for):
    client = client_for(alice)
    client.post("/customers/views/", {"name": "深圳客户", "query": "city=深圳"})
    page = client.get("/customers/").content.decode()
    assert 'name="status"' not in page, "the filter panel waits until it is opened"
    filters = client.get("/customers/", {"_panel": "filters"}).content.decode()
    assert 'name="status"' in filters and "<html" not in filters
    views = client.get("/customers/", {"_panel": "views"}).content.decode()
    assert "深圳客户" in views and "<html" not in views
    active = client.get("/customers/", {"status": "formal"}).content.decode()
    assert 'name="status"' in active, "an active filter shows at once"

"""Quotes: line and total arithmetic (rounded per line, then summed), prices from the
catalogue, the price control that sends a quote to its manager, the lock once submitted,
and versions that keep the old one readable."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.core import services as core
from crm.core.errors import DomainError, RecordLocked, TransitionRefused, ValidationFailed
from crm.customization.models import DictionaryItem
from crm.orders import services
from crm.orders.models import Contract, ContractLine, Quote, QuoteLine, QuoteStatus
from crm.products.models import PriceList, Product, ProductCategory
from crm.workflow import services as approvals
from crm.workflow.models import ApprovalRequest, ApproverKind
from crm.workflow.tests.fixtures import org, process  # noqa: F401  (fixture)

D = Decimal
CENT = D("0.01")

money = st.decimals(min_value=0, max_value=D("99999999"), places=2)
quantity = st.decimals(min_value=D("0.0001"), max_value=D("100000"), places=4)
percent = st.decimals(min_value=0, max_value=100, places=2)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@given(quantity, money, percent, percent)
def test_a_line_is_rounded_half_up_to_the_fen_and_adds_up(q, price, discount, rate):
    worked = services.line_amounts(q, price, discount, rate, "CNY")
    assert worked.amount == half_up(q * price * (100 - discount) / 100)
    assert worked.tax == half_up(worked.amount * rate / 100)
    assert worked.total == worked.amount + worked.tax
    assert worked.discount == half_up(q * price) - worked.amount
    assert worked.amount >= 0 and worked.tax >= 0 and worked.discount >= D("-0.01")


def test_a_yen_line_is_rounded_to_the_yen():
    worked = services.line_amounts(D(3), D("333.5"), D(0), D(10), "JPY")
    assert (worked.amount, worked.tax, worked.total) == (D(1001), D(100), D(1101))


def product(owner, code, price, **fields) -> Product:
    fields.setdefault("name", f"产品{code}")
    return core.save(
        Product(owner=owner, code=code, standard_price=D(price), **fields), actor=owner
    )


def customer(owner, name="华星电子", **fields):
    from crm.core import registry

    return core.save(registry.get("customer").model(owner=owner, name=name, **fields), actor=owner)


def quote(owner, lines, **fields) -> Quote:
    fields.setdefault("name", "伺服系统报价")
    fields.setdefault("customer", customer(owner))
    return core.save(Quote(owner=owner, **fields), actor=owner, lines=lines)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(quantity, money, percent, percent), min_size=1, max_size=6))
def test_the_totals_are_the_sums_of_the_rounded_lines(admin, rows):
    items = [product(admin, f"H{Product.all_objects.count()}", "1") for _row in rows]
    lines = [
        {"product": p.pk, "quantity": q, "unit_price": u, "discount": d, "tax_rate": r}
        for p, (q, u, d, r) in zip(items, rows, strict=True)
    ]
    saved = quote(admin, lines)
    stored = list(QuoteLine.objects.filter(quote=saved))
    assert saved.amount == sum(line.amount for line in stored)
    assert saved.tax == sum(line.tax for line in stored)
    assert saved.total == saved.amount + saved.tax == sum(line.total for line in stored)
    for line, (q, u, d, _r) in zip(stored, rows, strict=True):
        assert line.amount == half_up(q * u * (100 - d) / 100)


@pytest.mark.django_db
def test_an_empty_price_and_tax_rate_come_from_the_catalogue(admin):
    servo = product(admin, "S1", "2800", tax_rate=D(13))
    key = customer(
        admin, level=DictionaryItem.objects.get(dictionary__code="customer_level", code="a")
    )
    core.save(
        PriceList(owner=admin, name="A 级", customer_level=key.level),
        actor=admin,
        lines=[{"product": servo.pk, "min_quantity": D(10), "unit_price": D("2500")}],
    )
    saved = quote(
        admin,
        [
            {"product": servo.pk, "quantity": D(2)},
            {"product": servo.pk, "quantity": D(10), "discount": D(2)},
            {"product": servo.pk, "quantity": D(1), "unit_price": D("2700"), "tax_rate": D(6)},
        ],
        customer=key,
    )
    rows = QuoteLine.objects.filter(quote=saved).values_list(
        "list_price", "unit_price", "tax_rate", "amount", "tax"
    )
    assert list(rows) == [
        (D("2800"), D("2800"), D(13), D("5600"), D("728")),
        (D("2500"), D("2500"), D(13), D("24500"), D("3185")),
        (D("2800"), D("2700"), D(6), D("2700"), D("162")),
    ]
    assert (saved.amount, saved.tax, saved.total) == (D("32800"), D("4075"), D("36875"))
    assert saved.discount_amount == D("500")


@pytest.mark.django_db
def test_a_product_without_a_price_in_the_currency_needs_one_typed(admin):
    servo = product(admin, "S1", "2800")
    with pytest.raises(ValidationFailed) as refused:
        quote(admin, [{"product": servo.pk}], currency="USD")
    assert list(refused.value.fields) == ["lines.0.unit_price"]
    assert not Quote.all_objects.exists()
    saved = quote(admin, [{"product": servo.pk, "unit_price": D(390)}], currency="USD")
    assert saved.total == D("440.70")


@pytest.mark.django_db
def test_bad_lines_are_refused_and_nothing_is_written(admin):
    servo = product(admin, "S1", "100")
    for bad, field in (
        ({"quantity": D(-1)}, "quantity"),
        ({"unit_price": D(-5)}, "unit_price"),
        ({"discount": D(101)}, "discount"),
        ({"tax_rate": D(-1)}, "tax_rate"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            quote(admin, [{"product": servo.pk, **bad}])
        assert f"lines.0.{field}" in refused.value.fields
    assert not Quote.all_objects.exists() and not QuoteLine.objects.exists()


@pytest.mark.django_db
def test_a_price_below_the_floor_or_a_discount_above_the_limit_is_flagged(admin):
    top = core.save(
        ProductCategory(owner=admin, name="工业自动化", discount_limit=D(10)), actor=admin
    )
    servo_cat = core.save(ProductCategory(owner=admin, name="伺服系统", parent=top), actor=admin)
    servo = product(admin, "S1", "1000", floor_price=D("850"), category=servo_cat)
    ok = quote(admin, [{"product": servo.pk, "discount": D(10)}])
    assert ok.price_exception is False
    over = quote(admin, [{"product": servo.pk, "discount": D("10.5")}])
    assert over.price_exception is True
    low = quote(admin, [{"product": servo.pk, "unit_price": D(849)}])
    assert low.price_exception is True
    with translation.override("en"):
        reasons = services.price_exceptions(low, list(QuoteLine.objects.filter(quote=low)))
    assert reasons == [(0, "Below the floor price of ¥850.00.")]


@pytest.fixture
def price_control(org):  # noqa: F811  (the fixture imported above)
    process(
        type_key="quote",
        approvable="price",
        conditions=[{"field": "price_exception", "op": "eq", "value": True}],
        steps=[{"approver_kind": ApproverKind.SUPERIOR}],
    )
    servo = product(org["seller"], "S1", "1000", floor_price=D("900"))
    return {**org, "servo": servo}


@pytest.mark.django_db
def test_within_the_limits_a_submitted_quote_is_approved_at_once(price_control):
    seller, servo = price_control["seller"], price_control["servo"]
    saved = quote(seller, [{"product": servo.pk, "quantity": D(3)}])
    core.transition(saved, "submit", actor=seller)
    saved.refresh_from_db()
    assert saved.status == QuoteStatus.APPROVED
    assert not ApprovalRequest.objects.exists()


@pytest.mark.django_db
def test_below_the_floor_the_quote_waits_locked_for_the_manager(price_control):
    seller, manager, servo = (
        price_control["seller"],
        price_control["manager"],
        price_control["servo"],
    )
    saved = quote(seller, [{"product": servo.pk, "unit_price": D(800)}])
    core.transition(saved, "submit", actor=seller)
    saved.refresh_from_db()
    assert saved.status == QuoteStatus.PENDING
    request = approvals.pending_request(saved)
    before = (saved.version, list(QuoteLine.objects.filter(quote=saved).values()))
    with pytest.raises(RecordLocked):
        core.save(saved, actor=seller, lines=[{"product": servo.pk, "unit_price": D(950)}])
    with pytest.raises(TransitionRefused):
        core.transition(saved, "send", actor=seller)
    saved.refresh_from_db()
    assert (saved.version, list(QuoteLine.objects.filter(quote=saved).values())) == before

    approvals.approve(request, actor=manager, comment="同意，老客户。")
    saved.refresh_from_db()
    assert saved.status == QuoteStatus.APPROVED
    core.transition(saved, "send", actor=seller)
    contract = services.accept_quote(saved, actor=seller)
    saved.refresh_from_db()
    assert saved.status == QuoteStatus.ACCEPTED
    assert (contract.quote, contract.status, contract.total) == (saved, "draft", saved.total)
    assert list(
        ContractLine.objects.filter(contract=contract).values_list("product", "unit_price")
    ) == [(servo.pk, D(800))]
    # Accepted twice: refused, no second contract.
    with pytest.raises(TransitionRefused):
        services.accept_quote(saved, actor=seller)
    assert Contract.objects.filter(quote=saved).count() == 1


@pytest.mark.django_db
def test_a_rejected_quote_is_a_draft_again(price_control):
    seller, manager, servo = (
        price_control["seller"],
        price_control["manager"],
        price_control["servo"],
    )
    saved = quote(seller, [{"product": servo.pk, "discount": D(30)}])
    core.transition(saved, "submit", actor=seller)
    approvals.reject(approvals.pending_request(saved), actor=manager, comment="折扣太大。")
    saved.refresh_from_db()
    assert saved.status == QuoteStatus.DRAFT
    core.save(saved, actor=seller, lines=[{"product": servo.pk, "discount": D(5)}])
    core.transition(saved, "submit", actor=seller)
    saved.refresh_from_db()
    assert saved.status == QuoteStatus.APPROVED


@pytest.mark.django_db
def test_a_quote_without_lines_is_not_submitted(admin):
    empty = core.save(Quote(owner=admin, name="空报价", customer=customer(admin)), actor=admin)
    with pytest.raises(TransitionRefused):
        core.transition(empty, "submit", actor=admin)
    empty.refresh_from_db()
    assert empty.status == QuoteStatus.DRAFT


@pytest.mark.django_db
def test_revising_makes_a_new_version_and_keeps_the_old_one(admin):
    servo, plc = product(admin, "S1", "1000"), product(admin, "P1", "500")
    first = quote(admin, [{"product": servo.pk, "quantity": D(2)}, {"product": plc.pk}])
    with pytest.raises(DomainError):
        services.revise_quote(first, actor=admin)  # a draft is edited, not revised
    core.transition(first, "submit", actor=admin)
    core.transition(first, "send", actor=admin)
    second = services.revise_quote(first, actor=admin)
    first.refresh_from_db()
    assert (first.status, second.status, second.revision) == (
        QuoteStatus.REVISED,
        QuoteStatus.DRAFT,
        2,
    )
    assert second.previous == first and second.number == first.number
    with pytest.raises(RecordLocked):
        core.save(first, actor=admin, lines=[])
    with pytest.raises(DomainError):
        services.revise_quote(first, actor=admin)
    core.save(second, actor=admin, lines=[{"product": servo.pk, "quantity": D(3)}])
    assert QuoteLine.objects.filter(quote=first).count() == 2
    assert [q.revision for q in services.versions(first, admin)] == [1, 2]
    assert [q.revision for q in services.versions(second, admin)] == [1, 2]


@pytest.mark.django_db
def test_the_page_shows_what_changed_from_the_previous_version(admin, client_for):
    servo, plc = (
        product(admin, "S1", "1000", name="交流伺服电机"),
        product(admin, "P1", "500", name="小型PLC"),
    )
    first = quote(admin, [{"product": servo.pk, "quantity": D(2)}, {"product": plc.pk}])
    core.transition(first, "submit", actor=admin)
    second = services.revise_quote(first, actor=admin)
    core.save(
        second, actor=admin, lines=[{"product": servo.pk, "quantity": D(3), "discount": D(5)}]
    )
    html = client_for(admin).get(f"/quotes/{second.pk}/").content.decode()
    assert "Changed from version 1" in html
    assert "2 × ¥1,000.00" in html and "3 × ¥1,000.00 −5%" in html
    assert "Removed" in html and "小型PLC" in html
    assert 'data-column="product">交流伺服电机</td>' in html  # the product's name, not its id


@pytest.mark.django_db
def test_a_contact_or_an_opportunity_of_another_customer_is_refused(admin):
    from crm.core import registry

    other = customer(admin, "明德贸易")
    contact = core.save(
        registry.get("contact").model(owner=admin, name="陈晓明", customer=other), actor=admin
    )
    with pytest.raises(ValidationFailed) as refused:
        quote(admin, [], contact=contact)
    assert "contact" in refused.value.fields
    assert not Quote.all_objects.exists()


@pytest.mark.django_db
def test_a_quote_made_from_an_opportunity_starts_with_its_customer(admin, client_for):
    from crm.core import registry
    from crm.sales.testing import make_process

    buyer = customer(admin, "华星电子")
    opportunity = core.save(
        registry.get("opportunity").model(
            owner=admin, name="MES 一期", customer=buyer, process=make_process()
        ),
        actor=admin,
    )
    html = client_for(admin).get(f"/quotes/new/?opportunity={opportunity.pk}").content.decode()
    assert f'<option value="{buyer.pk}" selected>华星电子</option>' in html

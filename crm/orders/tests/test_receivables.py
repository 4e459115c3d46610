"""What a contract brings in: the payment plan, payments (one above the receivable only
when confirmed), invoices and deliveries within the contract, each refused with nothing
written; the contract's progress and the customer's receivables, overdue included."""

import datetime
from decimal import Decimal

import pytest

from crm.core import registry
from crm.core import services as core
from crm.core.errors import DomainError, ValidationFailed
from crm.orders import receivables
from crm.orders.models import Contract, ContractLine, Delivery, Instalment, Invoice, Payment
from crm.products.models import Product

D = Decimal
TODAY = datetime.date.today()


def signed_contract(owner, customer=None, quantity=10, *, sign=True) -> Contract:
    servo = Product.objects.filter(code="S1").first() or core.save(
        Product(owner=owner, code="S1", name="交流伺服电机", standard_price=D(1000), tax_rate=D(0)),
        actor=owner,
    )
    customer = customer or core.save(
        registry.get("customer").model(owner=owner, name="华星电子"), actor=owner
    )
    contract = core.save(
        Contract(owner=owner, name="伺服系统采购合同", customer=customer),
        actor=owner,
        lines=[{"product": servo.pk, "quantity": D(quantity)}],
    )
    if sign:
        core.transition(contract, "submit", actor=owner)
        core.transition(contract, "sign", actor=owner, signed_on=TODAY)
        contract.refresh_from_db()
    return contract


def instalment(owner, contract, amount, due, name="预付款") -> Instalment:
    return core.save(
        Instalment(owner=owner, contract=contract, name=name, due_date=due, amount=D(amount)),
        actor=owner,
    )


def pay(owner, contract, amount, **fields) -> Payment:
    return core.save(
        Payment(owner=owner, contract=contract, amount=D(amount), **fields), actor=owner
    )


@pytest.mark.django_db
def test_payments_keep_their_instalments_received_and_outstanding(admin):
    contract = signed_contract(admin)  # 10 × 1,000, no tax
    first = instalment(admin, contract, "3000", TODAY - datetime.timedelta(days=5))
    second = instalment(admin, contract, "7000", TODAY + datetime.timedelta(days=30), "到货款")
    payment = pay(admin, contract, "2000", instalment=first)
    first.refresh_from_db()
    assert (first.received, first.outstanding) == (D(2000), D(1000))
    progress = receivables.progress(contract)
    assert (progress.received, progress.receivable, progress.overdue) == (D(2000), D(8000), D(1000))
    assert progress.collected_share == D("20.0")

    payment.instalment = second
    core.save(payment, actor=admin)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.received, second.received, second.outstanding) == (D(0), D(2000), D(5000))
    core.delete(payment, actor=admin)
    second.refresh_from_db()
    assert (second.received, second.outstanding) == (D(0), D(7000))
    core.restore(Payment.all_objects.get(pk=payment.pk), actor=admin)
    second.refresh_from_db()
    assert second.received == D(2000)


@pytest.mark.django_db
def test_a_payment_above_the_receivable_needs_confirming(admin):
    contract = signed_contract(admin)
    pay(admin, contract, "9000")
    with pytest.raises(ValidationFailed) as refused:
        pay(admin, contract, "1500")
    assert "¥1,000.00" in refused.value.fields["amount"][0]
    assert Payment.objects.count() == 1
    pay(admin, contract, "1500", above_receivable=True)
    assert receivables.progress(contract).receivable == D(0)


@pytest.mark.django_db
def test_nothing_is_received_invoiced_or_delivered_on_an_unsigned_contract(admin):
    draft = signed_contract(admin, sign=False)
    line = ContractLine.objects.get(contract=draft)
    with pytest.raises(DomainError) as refused:
        pay(admin, draft, "100")
    assert refused.value.code == "wrong_state"
    with pytest.raises(DomainError):
        core.save(
            Invoice(owner=admin, contract=draft, invoice_number="0001", amount=D(100)), actor=admin
        )
    with pytest.raises(DomainError):
        core.save(
            Delivery(owner=admin, contract=draft, line=line, quantity=D(1), delivered_on=TODAY),
            actor=admin,
        )
    # A plan is made on a draft.
    core.save(
        Delivery(owner=admin, contract=draft, line=line, quantity=D(4), planned_on=TODAY),
        actor=admin,
    )
    assert (Payment.objects.count(), Invoice.objects.count(), Delivery.objects.count()) == (0, 0, 1)


@pytest.mark.django_db
def test_deliveries_invoices_and_the_plan_stay_within_the_contract(admin):
    contract = signed_contract(admin)
    line = ContractLine.objects.get(contract=contract)
    core.save(
        Delivery(owner=admin, contract=contract, line=line, quantity=D(6), delivered_on=TODAY),
        actor=admin,
    )
    with pytest.raises(ValidationFailed) as refused:
        core.save(
            Delivery(owner=admin, contract=contract, line=line, quantity=D(5), delivered_on=TODAY),
            actor=admin,
        )
    assert "4" in refused.value.fields["quantity"][0]
    assert receivables.progress(contract).delivered_share == D("60.0")
    core.save(
        Invoice(owner=admin, contract=contract, invoice_number="A1", amount=D(8000)), actor=admin
    )
    with pytest.raises(ValidationFailed):
        core.save(
            Invoice(owner=admin, contract=contract, invoice_number="A2", amount=D(2001)),
            actor=admin,
        )
    instalment(admin, contract, "9000", TODAY)
    with pytest.raises(ValidationFailed):
        instalment(admin, contract, "1001", TODAY)
    other = signed_contract(admin, customer=contract.customer)
    with pytest.raises(ValidationFailed) as refused:
        core.save(
            Delivery(owner=admin, contract=other, line=line, quantity=D(1), delivered_on=TODAY),
            actor=admin,
        )
    assert "line" in refused.value.fields
    counts = (Delivery.objects.count(), Invoice.objects.count(), Instalment.objects.count())
    assert counts == (1, 1, 1)


@pytest.mark.django_db
def test_the_customer_page_totals_what_is_contracted_received_receivable_and_overdue(
    admin, alice, client_for
):
    first = signed_contract(admin)
    customer = first.customer
    second = signed_contract(admin, customer=customer, quantity=5)
    signed_contract(admin, customer=customer, sign=False)  # a draft owes nothing
    due = instalment(admin, second, "5000", TODAY - datetime.timedelta(days=1))
    pay(admin, first, "4000")
    pay(admin, second, "1000", instalment=due)
    (totals,) = receivables.customer_totals(customer, admin)
    assert (totals.contracted, totals.received, totals.receivable, totals.overdue) == (
        D(15000),
        D(5000),
        D(10000),
        D(4000),
    )
    html = client_for(admin).get(f"/customers/{customer.pk}/").content.decode()
    assert "¥15,000.00" in html and "¥10,000.00" in html and "¥4,000.00" in html
    # Someone who sees none of the contracts gets no totals from them.
    assert receivables.customer_totals(customer, alice) == []


@pytest.mark.django_db
def test_the_contract_page_shows_its_progress(admin, client_for):
    contract = signed_contract(admin)
    pay(admin, contract, "2500")
    html = client_for(admin).get(f"/contracts/{contract.pk}/").content.decode()
    assert "¥2,500.00" in html and "¥7,500.00" in html and "25.0%" in html


@pytest.mark.django_db
def test_the_demo_rule_alerts_the_owner_of_each_overdue_instalment_once(admin):
    from crm.core.contributions import DemoContext
    from crm.messaging.models import Notification
    from crm.orders import demo
    from crm.workflow import alerts
    from crm.workflow.models import AlertRule

    contract = signed_contract(admin)
    late = instalment(admin, contract, "3000", TODAY - datetime.timedelta(days=3))
    paid = instalment(admin, contract, "2000", TODAY - datetime.timedelta(days=3), "首付款")
    instalment(admin, contract, "5000", TODAY + datetime.timedelta(days=3), "到货款")
    pay(admin, contract, "2000", instalment=paid)
    demo._overdue_rule(DemoContext(admin=admin, users={}, created=lambda *a: None))
    rule = AlertRule.objects.get(type_key="instalment")
    assert alerts.evaluate(rule) == 1
    assert alerts.evaluate(rule) == 0  # told once a period
    assert list(rule.hits.values_list("object_id", flat=True)) == [late.pk]
    assert Notification.objects.filter(user=admin).count() == 1


@pytest.mark.django_db
def test_a_recorded_payment_is_corrected_after_the_contract_completed(admin):
    contract = signed_contract(admin)
    payment = pay(admin, contract, "2000", reference="HX001")
    core.transition(contract, "start", actor=admin)
    core.transition(contract, "complete", actor=admin)
    payment.reference = "HX002"
    core.save(payment, actor=admin)
    payment.refresh_from_db()
    assert payment.reference == "HX002"
    with pytest.raises(DomainError):
        pay(admin, contract, "100")  # a new one is refused
    assert Payment.objects.count() == 1

"""The generic battery for customers and contacts."""

from crm.core import services
from crm.core.testing.battery import RecordTypeBattery
from crm.customers.models import Contact, Customer


def make_customer(owner, **fields) -> Customer:
    fields.setdefault("name", "金蝶软件")
    return services.save(Customer(owner=owner, **fields), actor=owner)


class TestCustomerBattery(RecordTypeBattery):
    type_key = "customer"
    sample_values = {"credit_code": "91310000MA1FL1234Q"}
    # Its page also sums its contracts: contracted, received and overdue (crm.orders).
    detail_queries = 19

    def make(self, owner, **fields):
        fields.setdefault("name", f"客户{Customer.all_objects.count() + 1}")
        return make_customer(owner, **fields)

    def form_data(self, owner) -> dict:
        return {
            "name": "深圳华星电子有限公司",
            "customer_type": "end",
            "status": "potential",
            "phone": "0755-86072000",
            "email": "info@huaxing.example",
        }

    def api_payload(self, owner) -> dict:
        return {"name": "上海明德贸易有限公司", "phone": "13812345678"}


class TestContactBattery(RecordTypeBattery):
    type_key = "contact"

    def make(self, owner, **fields):
        customer = make_customer(owner, name=f"联系人客户{Customer.all_objects.count() + 1}")
        fields.setdefault("name", f"张伟{Contact.all_objects.count() + 1}")
        return services.save(Contact(customer=customer, owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        customer = make_customer(owner, name="表单客户")
        return {"customer": customer.pk, "name": "李娜", "mobile": "13912345678"}

    def api_payload(self, owner) -> dict:
        customer = make_customer(owner, name="接口客户")
        return {"customer": customer.pk, "name": "王芳", "email": "wang@example.com"}

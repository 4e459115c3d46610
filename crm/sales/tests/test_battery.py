"""The generic battery for leads and opportunities."""

import datetime

import pytest

from crm.core import registry, services
from crm.core.testing.battery import RecordTypeBattery
from crm.sales.models import Lead, Opportunity, SalesProcess
from crm.sales.testing import make_process


def customer_of(owner, name: str):
    customer = registry.get("customer").model
    return services.save(customer(owner=owner, name=name), actor=owner)


def process() -> SalesProcess:
    return SalesProcess.objects.filter(name="项目型销售").first() or make_process()


class TestLeadBattery(RecordTypeBattery):
    type_key = "lead"

    def make(self, owner, **fields):
        fields.setdefault("name", f"线索{Lead.all_objects.count() + 1}")
        return services.save(Lead(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {
            "name": "华星电子 MES 项目",
            "company_name": "深圳华星电子有限公司",
            "contact_name": "陈晓明",
            "mobile": "13812345678",
            "email": "chen@huaxing.example",
        }

    def api_payload(self, owner) -> dict:
        return {"name": "明德贸易询价", "company_name": "上海明德贸易有限公司"}


class TestOpportunityBattery(RecordTypeBattery):
    type_key = "opportunity"
    invalid_field = "probability"
    invalid_value = "101"
    sample_values = {
        "expected_currency": "USD",
        "probability": 40,
        "close_date": (datetime.date.today() + datetime.timedelta(days=60)).isoformat(),
    }
    # Its page also reads the process's stages, the lost reasons to choose from, the stage
    # history, and the contact roles with what the form offers (contacts, roles) to those
    # who may change it.
    detail_queries = 23

    @pytest.fixture(autouse=True)
    def _process(self, db):
        process()

    def make(self, owner, **fields):
        fields.setdefault("name", f"商机{Opportunity.all_objects.count() + 1}")
        count = Opportunity.all_objects.count()
        fields.setdefault("customer", customer_of(owner, f"商机客户{count}"))
        fields.setdefault("process", process())
        return services.save(Opportunity(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {
            "name": "华星电子 MES 一期",
            "customer": customer_of(owner, "表单客户").pk,
            "process": process().pk,
            "expected_amount": "380000",
            "expected_currency": "CNY",
            "close_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        }

    def api_payload(self, owner) -> dict:
        customer = customer_of(owner, "接口客户")
        contact_model = registry.get("contact").model
        contact = services.save(
            contact_model(owner=owner, customer=customer, name="王芳"), actor=owner
        )
        return {
            "name": "明德贸易 ERP",
            "customer": customer.pk,
            "contact": contact.pk,
            "process": process().pk,
        }

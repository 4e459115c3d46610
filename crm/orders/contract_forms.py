"""Forms of a contract's own records (payments, deliveries): the instalments or lines they
offer are those of the contract chosen (as given by the contract page's Add link)."""

from __future__ import annotations

from django import forms

from crm.core.forms import RecordForm, RemoteSelect
from crm.orders.models import Delivery, Payment

CONTRACTS = RemoteSelect("/api/v1/contracts/")


class ContractPartForm(RecordForm):
    """A record of one contract; `of_contract` names its links to the contract's parts."""

    of_contract: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contract = (
            self.data.get("contract") or self.initial.get("contract") or self.instance.contract_id
        )
        for name in self.of_contract:
            field = self.fields[name]
            mine = str(contract).isdigit()
            field.queryset = (
                field.queryset.filter(contract=contract) if mine else field.queryset.none()
            )


class PaymentForm(ContractPartForm):
    of_contract = ("instalment",)

    class Meta(RecordForm.Meta):
        model = Payment
        fields = [
            "contract",
            "instalment",
            "paid_on",
            "amount",
            "method",
            "reference",
            "above_receivable",
            "note",
        ]
        widgets = {
            "contract": CONTRACTS,
            "paid_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class DeliveryForm(ContractPartForm):
    of_contract = ("line",)

    class Meta(RecordForm.Meta):
        model = Delivery
        fields = ["contract", "line", "quantity", "planned_on", "delivered_on", "note"]
        widgets = {
            "contract": CONTRACTS,
            "planned_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "delivered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

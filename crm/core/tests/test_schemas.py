"""API schemas generated from the model: the same contract as the schemas once written by
hand, and the generator's rules on the sample document."""

import datetime
import decimal
import typing
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from crm.core import money, registry, schemas
from crm.core.schemas import RecordOut
from crm.core.testing.sample.models import SampleDocument, SampleLine
from crm.customers.models import CustomerStatus, CustomerType, Gender

# The customers' and contacts' schemas as they were written by hand: the contract the
# generated ones keep.
CustomerTypeValue = Literal[tuple(CustomerType.values)]  # type: ignore[valid-type]
CustomerStatusValue = Literal[tuple(CustomerStatus.values)]  # type: ignore[valid-type]
GenderValue = Literal[("", *Gender.values)]  # type: ignore[valid-type]


class CustomerFields(BaseModel):
    mnemonic_code: str = Field("", max_length=60)
    customer_type: CustomerTypeValue = "end"
    status: CustomerStatusValue = "potential"
    category: int | None = None
    level: int | None = None
    industry: int | None = None
    region: int | None = None
    source: int | None = None
    parent: int | None = None
    province: str = Field("", max_length=40)
    city: str = Field("", max_length=40)
    district: str = Field("", max_length=40)
    address: str = Field("", max_length=255)
    credit_code: str = Field("", max_length=18)
    credit_limit: decimal.Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)
    tags: str = Field("", max_length=255)
    notes: str = Field("", max_length=10000)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class CustomerIn(CustomerFields):
    name: str = Field(min_length=1, max_length=200)
    number: str = Field("", max_length=40)


class CustomerPatch(BaseModel):
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    mnemonic_code: str | None = Field(None, max_length=60)
    customer_type: CustomerTypeValue | None = None
    status: CustomerStatusValue | None = None
    category: int | None = None
    level: int | None = None
    industry: int | None = None
    region: int | None = None
    source: int | None = None
    parent: int | None = None
    province: str | None = Field(None, max_length=40)
    city: str | None = Field(None, max_length=40)
    district: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=255)
    credit_code: str | None = Field(None, max_length=18)
    credit_limit: decimal.Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    tags: str | None = Field(None, max_length=255)
    notes: str | None = Field(None, max_length=10000)
    custom_fields: dict[str, Any] | None = None


class CustomerOut(CustomerFields, RecordOut):
    name: str


class ContactFields(BaseModel):
    mnemonic_code: str = Field("", max_length=60)
    gender: GenderValue = ""
    title: str = Field("", max_length=100)
    department: str = Field("", max_length=100)
    role: int | None = None
    mobile: str = Field("", max_length=40)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=60)
    birthday: datetime.date | None = None
    is_primary: bool = False
    notes: str = Field("", max_length=10000)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class ContactIn(ContactFields):
    customer: int
    name: str = Field(min_length=1, max_length=100)
    number: str = Field("", max_length=40)


class ContactPatch(BaseModel):
    version: int | None = None
    customer: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    mnemonic_code: str | None = Field(None, max_length=60)
    gender: GenderValue | None = None
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    role: int | None = None
    mobile: str | None = Field(None, max_length=40)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=60)
    birthday: datetime.date | None = None
    is_primary: bool | None = None
    notes: str | None = Field(None, max_length=10000)
    custom_fields: dict[str, Any] | None = None


class ContactOut(ContactFields, RecordOut):
    customer: int
    name: str


def _differences(generated: type[BaseModel], by_hand: type[BaseModel]) -> dict:
    """The properties and required names whose JSON schema differs."""
    ours, theirs = generated.model_json_schema(), by_hand.model_json_schema()
    names = set(ours["properties"]) | set(theirs["properties"])
    found = {
        n: (ours["properties"].get(n), theirs["properties"].get(n))
        for n in names
        if ours["properties"].get(n) != theirs["properties"].get(n)
    }
    if set(ours.get("required", ())) != set(theirs.get("required", ())):
        found["required"] = (ours.get("required"), theirs.get("required"))
    return found


@pytest.mark.parametrize(
    ("key", "schema_in", "schema_patch", "schema_out"),
    [
        ("customer", CustomerIn, CustomerPatch, CustomerOut),
        ("contact", ContactIn, ContactPatch, ContactOut),
    ],
)
def test_generated_schemas_are_the_ones_written_by_hand(key, schema_in, schema_patch, schema_out):
    generated = registry.get(key)
    assert generated.schema_in.model_json_schema() == schema_in.model_json_schema()
    assert generated.schema_patch.model_json_schema() == schema_patch.model_json_schema()
    # An answer's name now documents its length too (the hand-written Out left it out).
    name = generated.schema_out.model_json_schema()["properties"]["name"]
    assert name == {**schema_in.model_json_schema()["properties"]["name"], "title": "Name"}
    assert set(_differences(generated.schema_out, schema_out)) == {"name"}


def _document_schemas() -> schemas.Schemas:
    return schemas.generate(
        SampleDocument,
        ["name", "amount", "status", "reason", "total", "owner"],
        read_only={"status"},
        line_model=SampleLine,
        line_parent="document",
        line_fields=("product", "quantity", "unit_price"),
    )


def test_read_only_fields_are_answered_never_taken():
    generated = _document_schemas()
    taken = {"name", "amount", "reason", "number", "custom_fields", "lines"}
    assert set(generated.schema_in.model_fields) == taken
    assert set(generated.schema_patch.model_fields) == taken - {"number"} | {"version"}
    answered = set(generated.schema_out.model_fields)
    assert {"status", "total", "owner", "id", "version", "lines"} <= answered
    assert answered >= taken - {"lines"}


def test_fields_follow_their_model_field():
    schema_in = _document_schemas().schema_in
    assert schema_in.model_json_schema()["required"] == ["name"]
    document = schema_in(name="报价单", amount="12.5")
    assert document.amount == decimal.Decimal("12.5")
    for refused in ({"name": ""}, {"name": "x" * 101}, {"name": "a", "amount": "1.234"}):
        with pytest.raises(ValidationError) as error:
            schema_in(**refused)
        assert {e["loc"][0] for e in error.value.errors()} == {next(reversed(refused))}
    status = _document_schemas().schema_out.model_fields["status"].annotation
    assert typing.get_args(status) == ("draft", "submitted", "approved", "rejected")


def test_patch_takes_every_field_as_optional_with_the_version():
    schema_patch = _document_schemas().schema_patch
    assert schema_patch().model_dump(exclude_unset=True) == {}
    assert schema_patch(version=3, reason="").model_dump(exclude_unset=True) == {
        "version": 3,
        "reason": "",
    }
    with pytest.raises(ValidationError):
        schema_patch(name="")


def test_lines_are_taken_by_their_id_and_typed_fields_and_answered_with_what_is_worked_out():
    generated = _document_schemas()
    line_in = typing.get_args(
        typing.get_args(generated.schema_in.model_fields["lines"].annotation)[0]
    )[0]
    line_out = typing.get_args(generated.schema_out.model_fields["lines"].annotation)[0]
    assert list(line_in.model_fields) == ["id", "product", "quantity", "unit_price"]
    assert list(line_out.model_fields) == [
        "id",
        "position",
        "product",
        "quantity",
        "unit_price",
        "amount",
    ]
    assert (line_in.__name__, line_out.__name__) == (
        "SampleDocumentLineIn",
        "SampleDocumentLineOut",
    )
    with pytest.raises(ValidationError) as error:
        generated.schema_in(name="报价单", lines=[{"quantity": "2"}])
    assert [e["loc"] for e in error.value.errors()] == [("lines", 0, "product")]


def test_a_type_registered_without_schemas_gets_generated_ones():
    object_type = registry.get("sampledocument")
    assert object_type.schema_out.__name__ == "SampleDocumentOut"
    assert "status" in object_type.schema_out.model_fields
    assert "status" not in object_type.schema_in.model_fields


def test_a_currency_is_one_of_the_codes_the_crm_knows():
    schema_in = schemas.generate(SampleDocument, ["name", "currency"]).schema_in
    assert schema_in(name="报价单").currency == money.company_currency()
    assert schema_in(name="报价单", currency="USD").currency == "USD"
    with pytest.raises(ValidationError) as error:
        schema_in(name="报价单", currency="-pk")
    assert [e["loc"] for e in error.value.errors()] == [("currency",)]

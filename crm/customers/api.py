"""API shapes of customers and contacts; the generic router serves them."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from crm.core.schemas import RecordOut
from crm.customers.models import CustomerStatus, CustomerType, Gender

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

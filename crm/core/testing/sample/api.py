"""API shapes of the sample document: the status is read, never written."""

import datetime
import decimal
from typing import Any

from pydantic import BaseModel, Field


class SampleDocumentIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    number: str = Field("", max_length=40)
    amount: decimal.Decimal = Field(decimal.Decimal(0), max_digits=18, decimal_places=2)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class SampleDocumentPatch(BaseModel):
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    amount: decimal.Decimal | None = Field(None, max_digits=18, decimal_places=2)
    custom_fields: dict[str, Any] | None = None


class SampleDocumentOut(BaseModel):
    id: int
    number: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    owner: int
    custom_fields: dict[str, Any]
    name: str
    amount: decimal.Decimal
    status: str
    reason: str

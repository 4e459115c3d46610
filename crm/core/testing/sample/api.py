"""API shapes of the sample document: the status is read, never written."""

import decimal
from typing import Any

from pydantic import BaseModel, Field

from crm.core.schemas import RecordOut


class SampleDocumentIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    number: str = Field("", max_length=40)
    amount: decimal.Decimal = Field(decimal.Decimal(0), max_digits=18, decimal_places=2)
    related_type: str = Field("", max_length=50)
    related_id: int | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class SampleDocumentPatch(BaseModel):
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    amount: decimal.Decimal | None = Field(None, max_digits=18, decimal_places=2)
    related_type: str | None = Field(None, max_length=50)
    related_id: int | None = None
    custom_fields: dict[str, Any] | None = None


class SampleDocumentOut(RecordOut):
    name: str
    amount: decimal.Decimal
    status: str
    reason: str
    related_type: str
    related_id: int | None

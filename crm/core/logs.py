"""Filters of the CRM's own log records."""

from __future__ import annotations

import logging


class RefusalsInOneLine(logging.Filter):
    """Django logs a request refused by an exception (PermissionDenied is a 403) with its
    traceback. A refusal is expected, not a fault: its one line says enough, and the
    tracebacks of real errors stand out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True

"""Line items: the child rows of a business document (a quote's products, an order's
lines, an expense claim's items).

A line has no owner of its own: who sees or changes the document sees or changes its
lines. Lines are written only with their document (`services.save(obj, lines=[...])`
replaces the set), which bumps the document's version and writes one change-log row with
the lines' diff; the document's computed fields (totals) are worked out from them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Line(models.Model):
    """The base of a document's lines: the subclass adds the foreign key to its document
    (named in the type's `LineSpec`) and its own fields."""

    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

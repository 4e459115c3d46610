"""The sample document's rules: what its transitions check."""

from django.utils.translation import gettext as _


def amount_is_positive(document, actor) -> str | None:
    """A document is submitted only with an amount above zero."""
    if document.amount is None or document.amount <= 0:
        return _("The amount must be above zero to submit.")
    return None

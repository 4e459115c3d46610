"""The company's people as others pick them: by name, username or the pinyin of a name (an
owner, a user to share with, someone to @mention). A select of more than `MANY` people
offers them as the user types rather than all at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from crm.core.text import mnemonic, pinyin_syllables

# The people a select lists in full; beyond, it searches as the user types (a company of a
# thousand people made every owner filter render, and send, a thousand options).
MANY = 200


def find(query: str, *, limit: int = 8, excluding: Any = None) -> list:
    """Active users (but `excluding`) whose name, username or the pinyin of their name (full
    or initials) contains `query`, by name."""
    query = query.strip()
    active = get_user_model().objects.filter(is_active=True).order_by("full_name", "username")
    if excluding is not None:
        active = active.exclude(pk=excluding.pk)
    if not query:
        return list(active[:limit])
    found = list(
        active.filter(Q(full_name__icontains=query) | Q(username__icontains=query))[:limit]
    )
    if len(found) < limit and query.isascii() and query.isalpha():
        term, seen = query.lower(), {u.pk for u in found}
        for user in active.exclude(pk__in=seen).exclude(full_name="").iterator():
            name = user.full_name
            if term in mnemonic(name).lower() or term in "".join(pinyin_syllables(name)):
                found.append(user)
                if len(found) == limit:
                    break
    return found


def many(users) -> bool:
    """Whether `users` (a queryset) are more than a select lists in full."""
    return users.order_by()[: MANY + 1].count() > MANY

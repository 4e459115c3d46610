"""Template tags of the shell's pages: the workbench's card of announcements, drawn with
the page (no request of its own when it loads)."""

from django import template

from crm.messaging import services

register = template.Library()


@register.inclusion_tag("messaging/_announcements_card.html")
def latest_announcements(user) -> dict:
    """The latest three current announcements for `user` (nothing when there are none)."""
    return {"announcements": list(services.current_announcements(user, limit=3))}

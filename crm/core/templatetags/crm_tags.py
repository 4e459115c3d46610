"""Template helpers for the generic pages."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def type_url(object_type, action: str, *args) -> str:
    """The URL of one of a registered type's pages: {% type_url object_type "detail" pk %}."""
    return reverse(object_type.url_name(action), args=args)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")

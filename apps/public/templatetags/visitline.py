from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from lib import phones

register = template.Library()


@register.filter
def ltr(value: object) -> SafeString:
    """Isolate a left-to-right token (a document number, a phone) inside right-to-left text."""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


@register.filter
def isolated(value: object) -> SafeString:
    """A name set apart from the text around it (``<bdi>``): a right-to-left name in a
    left-to-right line, or the reverse, cannot reorder the words beside it."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def mask_phone(value: str) -> str:
    return phones.mask_phone(value)

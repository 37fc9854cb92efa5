from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def ltr(value: object) -> SafeString:
    """Isolate a left-to-right token (a document number, a phone) inside right-to-left text."""
    return format_html('<bdi dir="ltr">{}</bdi>', value)

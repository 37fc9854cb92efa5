from django import forms
from django.core.exceptions import ValidationError


def add_service_error(
    form: forms.Form, error: ValidationError, fields: dict[str, tuple[str, ...]]
) -> None:
    """Attach a service's refusal to the field it is about (by code prefix), else to the form."""
    code = error.code or ""
    for field, prefixes in fields.items():
        if code.startswith(prefixes):
            form.add_error(field, error)
            return
    form.add_error(None, error)

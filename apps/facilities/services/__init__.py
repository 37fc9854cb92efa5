"""Writing facilities: closures, weekly visiting times and their dated slots, the time zone."""

from apps.facilities.services.closures import closure_create
from apps.facilities.services.slots import slot_capacity_set, slots_generate
from apps.facilities.services.templates import (
    TemplateFields,
    session_template_change,
    session_template_create,
    session_template_retire,
    template_last_day_check,
)
from apps.facilities.services.zone import facility_time_zone_set

__all__ = [
    "TemplateFields",
    "closure_create",
    "facility_time_zone_set",
    "session_template_change",
    "session_template_create",
    "session_template_retire",
    "slot_capacity_set",
    "slots_generate",
    "template_last_day_check",
]

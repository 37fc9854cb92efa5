from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole, User


def require_staff(actor: User, facility_id: int, *roles: str) -> StaffRole:
    """The actor's role at the facility; PermissionDenied without one (or one of ``roles``)."""
    role = None
    if actor.is_authenticated:
        role = StaffRole.objects.filter(user=actor, facility_id=facility_id).first()
    if role is None or (roles and role.role not in roles):
        raise PermissionDenied(_("You do not work at this facility in a role that may do this."))
    return role

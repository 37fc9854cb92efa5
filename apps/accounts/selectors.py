from django.http import HttpRequest

from apps.accounts.models import StaffRole, User


def staff_role_at(*, user: User, facility_id: int) -> StaffRole | None:
    """The user's role at a facility, or None when they are not staff there."""
    if not user.is_authenticated:
        return None
    return StaffRole.objects.filter(user=user, facility_id=facility_id).first()


def is_staff_at(*, user: User, facility_id: int) -> bool:
    return staff_role_at(user=user, facility_id=facility_id) is not None


def verified_user(request: HttpRequest) -> User | None:
    """The user when signed in with a password and a verified TOTP code (django-otp sets
    is_verified): the console and the API's session access both ask this."""
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    return user if isinstance(user, User) and is_verified and is_verified() else None

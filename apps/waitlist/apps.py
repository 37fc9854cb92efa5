from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistConfig(AppConfig):
    name = "apps.waitlist"
    verbose_name = _("Waitlist")

    def ready(self) -> None:
        # A capacity cut gives the held seats back before it cancels a booking (lib/hooks.py).
        from apps.bookings import hooks
        from apps.waitlist.services import waitlist_return_holds

        hooks.seat_holds_return.answer(waitlist_return_holds)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkerConfig(AppConfig):
    name = "apps.worker"
    verbose_name = _("Background work")

    def ready(self) -> None:
        # The worker runs what bookings and notifications ask for later (lib/hooks.py).
        from apps.bookings import hooks as bookings
        from apps.notifications import hooks as notifications
        from apps.worker import tasks

        bookings.seat_freed.answer(tasks.waitlist_offer_enqueue)
        notifications.message_sent.answer(tasks.scheduler_revive)

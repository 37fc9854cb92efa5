from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # The bookings layer answers what people and facilities ask of it (lib/hooks.py).
        from apps.bookings.services import cancellations
        from apps.facilities import hooks as facilities
        from apps.people import hooks as people

        people.future_visits_cancel.answer(cancellations.future_visits_cancel)
        people.restricted_visits_cancel.answer(cancellations.restricted_visits_cancel)
        facilities.closed_visits_cancel.answer(cancellations.closed_visits_cancel)
        facilities.seats_cut.answer(cancellations.seats_cut)
        facilities.slots_with_visits.answer(cancellations.slots_with_visits)

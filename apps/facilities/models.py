import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class Facility(models.Model):
    """One prison: its zone, its booking window and its published limits."""

    class BookingMode(models.TextChoices):
        FIRST_COME = "first_come", _("First come, first served")
        REQUESTS = "requests", _("Request windows, allocated fairly")

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    address = models.TextField(_("address"), blank=True)
    min_notice_days = models.PositiveSmallIntegerField(_("minimum notice (days)"), default=1)
    max_notice_days = models.PositiveSmallIntegerField(_("maximum notice (days)"), default=28)
    # Booking for a date closes at this local time on the day min_notice_days before it
    # (for example 17:00 the day before); empty: at the end of that day.
    booking_closes_at = models.TimeField(
        _("booking closes at (local time)"),
        null=True,
        blank=True,
        help_text=_(
            "Booking for a day closes at this time on the last day of notice, for example 17:00 the day before. Empty: at midnight."
        ),
    )
    max_visitors = models.PositiveSmallIntegerField(_("visitors per visit"), default=3)
    max_adults = models.PositiveSmallIntegerField(_("adults per visit"), default=3)
    max_children = models.PositiveSmallIntegerField(_("children per visit"), default=2)
    adult_age = models.PositiveSmallIntegerField(_("adult from age"), default=18)
    minimum_visits_per_month = models.PositiveSmallIntegerField(
        _("published minimum family visits per month"),
        default=1,
        help_text=_("In-person family visits no level or restriction may take a prisoner below."),
    )
    remand_in_person_per_week = models.PositiveSmallIntegerField(
        _("in-person visits per week on remand"), default=1
    )
    remand_video_per_week = models.PositiveSmallIntegerField(
        _("video visits per week on remand"), default=1
    )
    # So that every family gets a turn and one prisoner cannot take the hall's day.
    in_person_per_day = models.PositiveSmallIntegerField(
        _("in-person family visits per prisoner per day"), default=1
    )
    video_per_day = models.PositiveSmallIntegerField(
        _("video family visits per prisoner per day"), default=1
    )
    # Disclosed to every family before a visit (design principle 3). Legal
    # visits are never recorded or supervised, whatever these say.
    video_visits_recorded = models.BooleanField(_("video visits are recorded"), default=True)
    visits_supervised = models.BooleanField(_("visits are supervised by an officer"), default=True)
    recording_retention_days = models.PositiveSmallIntegerField(
        _("recordings kept for (days)"), default=30
    )
    # The video join page opens this long before the start; lost time of at
    # least video_refund_after_minutes that no extension made up gives the visit back.
    video_join_opens_minutes = models.PositiveSmallIntegerField(
        _("video join page opens (minutes before the start)"), default=10
    )
    video_refund_after_minutes = models.PositiveSmallIntegerField(
        _("video time lost before the visit is given back (minutes)"),
        default=5,
        help_text=_(
            "Minutes of a video visit lost to the prison side or the connection, not made up by an extension, after which the visit no longer counts against the allowance."
        ),
    )
    what_to_bring = models.TextField(
        _("what to bring"),
        blank=True,
        help_text=_("The facility's own notes for visitors, shown with each booking."),
    )
    # How seats are handed out: a race, or ranked requests allocated at once (apps.allocation).
    booking_mode = models.CharField(
        _("booking mode"),
        max_length=20,
        choices=BookingMode.choices,
        default=BookingMode.FIRST_COME,
    )

    class Meta:
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_notice_days__gte=F("min_notice_days")),
                name="facility_booking_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(max_visitors__gte=1) & Q(max_adults__gte=1),
                name="facility_admits_an_adult",
            ),
            models.CheckConstraint(
                condition=Q(minimum_visits_per_month=0) | Q(remand_in_person_per_week__gte=1),
                name="remand_keeps_family_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def bookable_until_for(self, day: dt.date) -> dt.datetime:
        """When booking for a date closes: the cut-off time on the last day of notice."""
        last_day = day - dt.timedelta(days=self.min_notice_days)
        if self.booking_closes_at is None:
            return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, self.zone)
        return dt.datetime.combine(last_day, self.booking_closes_at, self.zone)

    def first_bookable_day(self, now: dt.datetime | None = None) -> dt.date:
        """The first date whose booking has not closed at ``now``."""
        from django.utils import timezone

        now = now or timezone.now()
        day = self.local_today(now) + dt.timedelta(days=self.min_notice_days)
        return day if now < self.bookable_until_for(day) else day + dt.timedelta(days=1)

    def per_day(self, kind: str) -> int | None:
        """Family visits of a kind one prisoner may have on one day; None for legal visits."""
        return {"in_person": self.in_person_per_day, "video": self.video_per_day}.get(kind)

    def local_today(self, now: dt.datetime | None = None) -> dt.date:
        """The facility's date at ``now``.

        The project has one clock: ``django.utils.timezone.now()``, an aware UTC
        instant, which tests pin and move. A rule that means "today" asks the
        facility here, never ``date.today()`` (the server's zone) nor
        ``timezone.localdate()`` (the request's active zone). The database's own
        ``now()`` is never used, so it cannot disagree with Python's clock.
        """
        from django.utils import timezone

        return (now or timezone.now()).astimezone(self.zone).date()


class Room(models.Model):
    """An in-person visit room; a closed room has a glass partition."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveSmallIntegerField(_("tables"))
    is_closed = models.BooleanField(_("closed (glass partition)"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="room_name_unique"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_has_a_table"),
        ]

    def __str__(self) -> str:
        return self.name


class Terminal(models.Model):
    """A video station inside the prison."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="terminals")
    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="terminal_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


def _room_xor_terminal() -> Q:
    return Q(room__isnull=False, terminal__isnull=True) | Q(
        room__isnull=True, terminal__isnull=False
    )


class SessionTemplate(models.Model):
    """A weekly pattern of visiting time in one room or at one terminal."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="templates")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    levels = models.ManyToManyField(
        "policy.Level",
        blank=True,
        verbose_name=_("levels"),
        help_text=_("Levels that may use this time; none chosen means every level."),
    )

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="template_ends_after_start"
            ),
            models.CheckConstraint(
                condition=_room_xor_terminal(), name="template_room_xor_terminal"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="template_has_capacity"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="template_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        place = self.room or self.terminal
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M} {place}"

    def applies_on(self, day: dt.date) -> bool:
        return (
            day.weekday() == self.weekday
            and day >= self.valid_from
            and (self.valid_to is None or day <= self.valid_to)
        )


class Slot(models.Model):
    """One dated instance of a template; ``booked_count`` never passes ``capacity``."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="slots")
    template = models.ForeignKey(SessionTemplate, on_delete=models.PROTECT, related_name="slots")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, blank=True)
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked_count = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["facility", "date"])]
        constraints = [
            models.UniqueConstraint(fields=["template", "date"], name="one_slot_per_template_day"),
            models.CheckConstraint(
                condition=Q(booked_count__gte=0) & Q(booked_count__lte=F("capacity")),
                name="slot_never_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(condition=_room_xor_terminal(), name="slot_room_xor_terminal"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.local_start:%H:%M} {self.room or self.terminal}"

    @property
    def is_video(self) -> bool:
        return self.terminal_id is not None

    @property
    def seats_left(self) -> int:
        return self.capacity - self.booked_count

    @property
    def bookable_until(self) -> dt.datetime:
        """When booking closes: the start, or the facility's cut-off for this date, whichever
        comes first (the booking rules' window)."""
        return min(self.starts_at, self.facility.bookable_until_for(self.date))

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(self.facility.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.facility.zone)


class Closure(models.Model):
    """A whole date or one slot on which no visits take place, with the reason."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"), null=True, blank=True)
    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, null=True, blank=True, related_name="closures"
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(date__isnull=False, slot__isnull=True)
                | Q(date__isnull=True, slot__isnull=False),
                name="closure_date_xor_slot",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="closure_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.date or self.slot}: {self.reason}"

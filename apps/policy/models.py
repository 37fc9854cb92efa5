from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.policy.kinds import Stage


class Level(models.Model):
    """A tier of a facility's policy: visits per calendar month and their length."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.CASCADE, related_name="levels"
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)
    in_person_per_month = models.PositiveSmallIntegerField(_("in-person visits per month"))
    video_per_month = models.PositiveSmallIntegerField(_("video visits per month"))
    in_person_minutes = models.PositiveSmallIntegerField(
        _("in-person visit length (minutes)"), default=30
    )
    video_minutes = models.PositiveSmallIntegerField(_("video visit length (minutes)"), default=20)
    max_visitors = models.PositiveSmallIntegerField(
        _("visitors per visit"),
        null=True,
        blank=True,
        help_text=_("A tighter limit than the facility's; empty keeps the facility's."),
    )

    class Meta:
        ordering = ["facility", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="level_code_unique"),
            models.CheckConstraint(
                condition=Q(in_person_minutes__gte=1) & Q(video_minutes__gte=1),
                name="level_visits_have_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        minimum = self.facility.minimum_visits_per_month
        if self.in_person_per_month < minimum:
            raise ValidationError(
                {
                    "in_person_per_month": _(
                        "The facility publishes a minimum of %(minimum)d in-person family "
                        "visits a month; a level cannot give fewer."
                    )
                    % {"minimum": minimum}
                }
            )


class StageRule(models.Model):
    """How long a stage of sentence lasts and the extra visits it brings."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.CASCADE, related_name="stage_rules"
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=[
            (Stage.ENTRY.value, Stage.ENTRY.label),
            (Stage.PRE_RELEASE.value, Stage.PRE_RELEASE.label),
        ],
    )
    months = models.PositiveSmallIntegerField(_("length (months)"))
    extra_in_person = models.PositiveSmallIntegerField(
        _("extra in-person visits per month"), default=0
    )
    extra_video = models.PositiveSmallIntegerField(_("extra video visits per month"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "stage"], name="one_rule_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} ({self.months})"

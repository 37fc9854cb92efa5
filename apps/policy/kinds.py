"""The policy's words that every layer speaks: kinds of visit, legal status, stages of sentence.

Plain choices, no model, so that a module that needs only a word imports only this.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalStatus(models.TextChoices):
    """A prisoner on remand has a weekly allowance; a sentenced one, the stages' monthly one."""

    REMAND = "remand", _("On remand")
    SENTENCED = "sentenced", _("Sentenced")


class VisitKind(models.TextChoices):
    IN_PERSON = "in_person", _("In-person visit")
    VIDEO = "video", _("Video visit")
    # Legal visits are confidential and never count against the family allowance.
    LEGAL = "legal", _("Legal visit")


# What a family books (and staff book for a family); legal visits are arranged otherwise.
FAMILY_KINDS = (VisitKind.IN_PERSON, VisitKind.VIDEO)


class Stage(models.TextChoices):
    REMAND = "remand", _("On remand")
    ENTRY = "entry", _("Entry stage")
    MIDDLE = "middle", _("Middle stage")
    PRE_RELEASE = "pre_release", _("Pre-release stage")

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.policy.kinds import LegalStatus
from lib import identity
from lib.crypto import EncryptedCharField


class Prisoner(models.Model):
    LegalStatus = LegalStatus  # the policy's word: it sets the prisoner's allowance stage

    class Status(models.TextChoices):
        IN_CUSTODY = "in_custody", _("In custody")
        TRANSFERRED = "transferred", _("Transferred")
        RELEASED = "released", _("Released")

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="prisoners"
    )
    number = models.CharField(_("prisoner number"), max_length=30)
    full_name = models.CharField(_("full name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    level = models.ForeignKey("policy.Level", on_delete=models.PROTECT, related_name="prisoners")
    legal_status = models.CharField(
        _("legal status"), max_length=20, choices=LegalStatus.choices, default=LegalStatus.SENTENCED
    )
    sentence_start = models.DateField(_("sentence start"), null=True, blank=True)
    sentence_end = models.DateField(
        _("sentence end"),
        null=True,
        blank=True,
        help_text=_("Empty for an indeterminate sentence."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_CUSTODY
    )

    class Meta:
        ordering = ["facility", "number"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="prisoner_number_unique"),
            models.CheckConstraint(
                condition=Q(legal_status="remand") | Q(sentence_start__isnull=False),
                name="sentenced_has_start",
            ),
            models.CheckConstraint(
                condition=Q(sentence_end__isnull=True)
                | Q(sentence_start__isnull=True)
                | Q(sentence_end__gt=F("sentence_start")),
                name="sentence_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.full_name}"

    @property
    def is_in_custody(self) -> bool:
        return self.status == self.Status.IN_CUSTODY


class Visitor(models.Model):
    """A family member (or legal representative) with a verified identity."""

    class DocumentType(models.TextChoices):
        RESIDENT_ID = identity.RESIDENT_ID, _("Resident ID card")
        PASSPORT = identity.PASSPORT, _("Passport")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visitor",
    )
    # Who registered this person (a child, or a relative without a phone of their own):
    # that family may bring them. A family never sees or brings another family's people.
    registered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered",
        verbose_name=_("registered by"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    document_type = models.CharField(
        _("identity document"), max_length=20, choices=DocumentType.choices
    )
    document_number = EncryptedCharField(_("document number"))
    # A keyed hash of the number: lets the database refuse duplicates and find
    # a visitor by document without ever storing the number in clear.
    document_digest = models.CharField(max_length=64, editable=False)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail (optional)"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_digest"], name="one_visitor_per_document"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def document_masked(self) -> str:
        return identity.mask_document(self.document_number)

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PartyConsent(models.Model):
    """A visitor (``member``) agrees that another family (``host``) may bring them to visits.

    Given by the member, never asked for by the host, so no family learns another's name by
    asking; withdrawn by deleting it (the audit keeps both)."""

    host = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="party_guests")
    member = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="party_hosts")
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "member"], name="one_consent_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(host=models.F("member")), name="consent_not_to_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} with {self.host_id}"


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse or partner")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Brother or sister")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    FRIEND = "friend", _("Friend")
    LEGAL = "legal", _("Legal representative")


class Contact(models.Model):
    """A visitor's approved (or not yet approved) link to one prisoner."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        REJECTED = "rejected", _("Not approved")

    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, related_name="contacts")
    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="contacts")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visitor", "prisoner"], name="one_contact_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} → {self.prisoner} ({self.get_relationship_display()})"

    @property
    def is_legal(self) -> bool:
        return self.relationship == Relationship.LEGAL


class Restriction(models.Model):
    """A time-limited, reasoned limit on a visitor or on one contact."""

    class Kind(models.TextChoices):
        BAN = "ban", _("No visits")
        CLOSED_ONLY = "closed_only", _("Closed visits only")
        NO_VIDEO = "no_video", _("No video visits")

    # A restriction is one prison's decision and applies at that prison.
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="restrictions"
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.PROTECT, null=True, blank=True, related_name="restrictions"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="restrictions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(visitor__isnull=False, contact__isnull=True)
                | Q(visitor__isnull=True, contact__isnull=False),
                name="restriction_on_visitor_xor_contact",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="restriction_time_limited"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="restriction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.visitor or self.contact}"

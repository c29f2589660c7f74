"""fundapp's own tables: role grants, the second administrator's approval of a role; and the
state of each user's password (``PasswordState``: set by someone else, so to be changed by its
owner before anything else answers; ``fundapp.passwords``).

Roles are Django groups (``fundapp/roles.py``). Taking one, or the superuser flag, is the one
step that could make a single administrator everyone (give themselves, or a puppet account, the
supervisor's group), so it is never done by one person: an administrator asks (a ``RoleGrant``
row, pending), and a *different* administrator, who is not the person receiving it either,
approves it; only then is the group added (``fundapp.grants``). Removing a role needs nobody
else. The database holds the two-people rule (check constraints below), so neither the admin nor
raw SQL writes a grant asked or decided by the person who receives it.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a second administrator")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class RoleGrant(models.Model):
    """One role (a group) or the superuser flag asked for one user. ``requested_by`` or
    ``decided_by`` empty: the operator (``manage.py grant_role``), who holds the server."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("role")
    )
    superuser = models.BooleanField(_("superuser"), default=False)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        permissions = [
            ("approve_rolegrant", _("Can approve or reject a role grant asked by another")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False, superuser=False)
                | Q(group__isnull=True, superuser=True),
                name="rolegrant_group_xor_superuser",
            ),
            models.CheckConstraint(
                condition=~Q(requested_by=F("user")), name="rolegrant_not_asked_for_oneself"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | (~Q(decided_by=F("requested_by")) & ~Q(decided_by=F("user"))),
                name="rolegrant_decided_by_second_person",
            ),
            models.CheckConstraint(
                condition=Q(status=GrantStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=GrantStatus.PENDING) & Q(decided_at__isnull=False)),
                name="rolegrant_decided_iff_not_pending",
            ),
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=Q(status=GrantStatus.PENDING, group__isnull=False),
                name="rolegrant_one_pending_per_role",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status=GrantStatus.PENDING, superuser=True),
                name="rolegrant_one_pending_superuser",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.role_label} ({self.get_status_display()})"

    @property
    def role_label(self) -> str:
        from common.roles import role_label

        return str(_("superuser")) if self.superuser else role_label(self.group.name)


class PasswordState(models.Model):
    """Whose choice a user's password is. ``must_change``: someone else set it (an administrator
    in the admin, the operator at the server, ``grant_role`` for an account that never chose its
    own), so its owner changes it at the next sign-in before any page or API call answers
    (``fundapp.passwords``). No row: a password nobody else was recorded to have set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_state",
        verbose_name=_("user"),
    )
    must_change = models.BooleanField(_("must change the password"), default=False)
    # Who set it, when not the owner; empty: the operator at the server (a command, the shell).
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set by someone else at"), null=True, blank=True)
    own_since = models.DateTimeField(_("chosen by its owner at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password state")
        verbose_name_plural = _("password states")
        constraints = [
            models.CheckConstraint(
                condition=Q(must_change=False) | Q(set_at__isnull=False),
                name="passwordstate_must_change_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(set_by=F("user")), name="passwordstate_not_set_by_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} must_change={self.must_change}"


class ScheduledJob(models.Model):
    """The last slot each scheduled job was claimed for (``fundapp.scheduler``).

    One row per job. A scheduler — Celery beat's task or the in-process ``run_scheduler`` —
    runs a job only after moving ``last_slot`` forward with one conditional UPDATE
    (``WHERE last_slot < slot``), which the database gives to exactly one of them: two schedulers
    running at once (two beats, beat and ``run_scheduler``, two demo servers) run each slot once.
    The other columns say, for the operator, when it last ran and how it ended."""

    name = models.CharField(_("job"), max_length=60, unique=True)
    last_slot = models.DateTimeField(_("last slot"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_outcome = models.TextField(_("last outcome"), blank=True)
    last_ok = models.BooleanField(_("last run succeeded"), null=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name

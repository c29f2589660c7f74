"""The admin's user, group, token and role-grant screens, made safe against one administrator
becoming everyone (``fundapp.grants`` holds the rules; these screens only call it).

* Users: nobody changes their own groups, own permissions, superuser, staff or active flags.
  For another user, roles are *removed* here at once (audited); *adding* one is refused next to
  the field with a pointer to Role grants, where it waits for a second administrator. Direct
  user permissions are never edited: a role is a group (``fundapp/roles.py``).
* Passwords: one set here for another user (a new account's first, or a reset) is changed by
  its owner at the next sign-in before anything else answers (``fundapp.passwords``).
* Groups: shown only; their permissions come from ``fundapp/roles.py`` after every migrate.
* Role grants: ask for a role or the superuser flag; another administrator approves or rejects
  (list actions).
* API tokens: keys are never shown for another user, and a token is made here only for
  oneself; the operator makes one for a user with ``manage.py drf_create_token <username>``.
  Else an administrator could make a supervisor's token and act through the API as them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from common.admin import ReadOnlyMixin
from common.errors import FundError
from common.permissions import holds_perm

from . import grants
from .models import RoleGrant
from .passwords import password_set_by

User = get_user_model()

# What an administrator never changes on their own account.
OWN_LOCKED = ("groups", "user_permissions", "is_superuser", "is_staff", "is_active")


class UserChangeForm(DjangoUserAdmin.form):
    """Refuses adding a role or the superuser flag (that is a role grant); lets removals by."""

    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is None or self.instance.pk is None:
            return groups
        before = set(self.instance.groups.values_list("pk", flat=True))
        added = [g for g in groups if g.pk not in before]
        if added:
            raise ValidationError(
                _(
                    "A role is given only when a second administrator approves it: ask for "
                    "%(roles)s under Role grants. Here you may only remove roles."
                ),
                params={"roles": ", ".join(g.name for g in added)},
                code="role_needs_grant",
            )
        return groups

    def clean_is_superuser(self):
        value = self.cleaned_data.get("is_superuser")
        if value and self.instance.pk is not None and not self._was_superuser():
            raise ValidationError(
                _(
                    "The superuser flag is given only when a second administrator approves it: "
                    "ask for it under Role grants."
                ),
                code="superuser_needs_grant",
            )
        return value

    def _was_superuser(self) -> bool:
        return User.objects.filter(pk=self.instance.pk, is_superuser=True).exists()


class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        readonly.append("user_permissions")
        if obj.pk == request.user.pk:
            readonly.extend(f for f in OWN_LOCKED if f not in readonly)
        return readonly

    def save_model(self, request, obj, form, change):
        # Taking the superuser flag away goes through the service (audited), after the save.
        request.drop_superuser = (
            change and "is_superuser" in form.changed_data and not obj.is_superuser
        )
        if request.drop_superuser:
            obj.is_superuser = True
        # A new account's first password is the administrator's: its owner changes it at the
        # first sign-in (fundapp.passwords).
        with password_set_by(request.user):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        if not change or "groups" not in form.cleaned_data:
            super().save_related(request, form, formsets, change)
            self._revoke_superuser(request, obj)
            return
        wanted = set(form.cleaned_data["groups"])
        # Keep the groups as they are while the form saves; removals go through the service.
        current = list(obj.groups.all())
        form.cleaned_data["groups"] = current
        super().save_related(request, form, formsets, change)
        for group in current:
            if group not in wanted:
                self._call(request, grants.role_revoke, user=obj, group=group, actor=request.user)
        self._revoke_superuser(request, obj)

    def _revoke_superuser(self, request, obj):
        if getattr(request, "drop_superuser", False):
            self._call(request, grants.role_revoke, user=obj, superuser=True, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        # Setting the password of someone who holds a role would let the administrator sign in
        # as them: as a supervisor (and be everyone again), or as the second administrator who
        # approves their own role grants. Only an account with no role yet gets its first
        # password here; otherwise its owner changes it, or the operator does (manage.py
        # changepassword).
        target = self.get_object(request, id)
        if (
            target is not None
            and target.pk != request.user.pk
            and (target.is_superuser or target.groups.exists())
        ):
            raise PermissionDenied(
                gettext(
                    "The password of a user who holds a role is changed by that user, or by the "
                    "operator with manage.py changepassword."
                )
            )
        # Set for another user: they change it at their next sign-in; one's own: cleared.
        with password_set_by(request.user):
            return super().user_change_password(request, id, form_url)

    def _call(self, request, service, **kwargs):
        try:
            service(**kwargs)
        except FundError as exc:
            self.message_user(request, str(exc), messages.ERROR)


class GroupAdmin(ReadOnlyMixin, DjangoGroupAdmin):
    """Roles are code (``fundapp/roles.py``): shown, never edited here."""


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "group", "superuser", "reason"]

    actor = None  # set by the admin

    def clean(self):
        data = super().clean()
        user = data.get("user")
        if user is not None:
            message = grants.role_grant_refusal(
                user=user,
                group=data.get("group"),
                superuser=bool(data.get("superuser")),
                actor=self.actor,
            )
            if message:
                raise ValidationError(message)
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    form = RoleGrantForm
    list_display = (
        "user",
        "role_label",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "group", "superuser")
    search_fields = ("user__username", "requested_by__username")
    readonly_fields = (
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    actions = ["approve", "reject"]
    autocomplete_fields = ()

    @admin.display(description=_("role"))
    def role_label(self, obj):
        return obj.role_label

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "group", "superuser", "reason"]
        return ["user", "group", "superuser", "reason", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return False  # decided through the actions, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The form checked the rules; the service checks them again under its locks.
        try:
            grant = grants.role_grant_request(
                user=obj.user,
                group=obj.group,
                superuser=obj.superuser,
                reason=obj.reason,
                actor=request.user,
            )
        except FundError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = grant.pk
        obj.requested_at = grant.requested_at
        self.message_user(
            request,
            gettext("The role waits for a second administrator's approval."),
            messages.WARNING,
        )

    def log_addition(self, request, obj, message):
        if obj.pk:
            return super().log_addition(request, obj, message)
        return None

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not holds_perm(request.user, grants.PERM_DECIDE):
            actions.pop("approve", None)
            actions.pop("reject", None)
        return actions

    @admin.action(description=_("Approve the selected role grants"))
    def approve(self, request, queryset):
        self._decide(request, queryset, grants.role_grant_approve)

    @admin.action(description=_("Reject the selected role grants"))
    def reject(self, request, queryset):
        self._decide(request, queryset, grants.role_grant_reject)

    def _decide(self, request, queryset, service):
        done = 0
        for grant in queryset:
            try:
                service(grant=grant, actor=request.user)
                done += 1
            except FundError as exc:
                self.message_user(request, f"{grant}: {exc}", messages.ERROR)
        if done:
            self.message_user(
                request,
                gettext("%(count)d role grant(s) decided.") % {"count": done},
                messages.SUCCESS,
            )


class TokenForm(forms.ModelForm):
    class Meta:
        model = TokenProxy
        fields = ["user"]

    actor = None

    def clean_user(self):
        user = self.cleaned_data["user"]
        if self.actor is not None and user.pk != self.actor.pk:
            raise ValidationError(
                _(
                    "An API token is made here only for your own account; the operator makes "
                    "one for a user with manage.py drf_create_token."
                ),
                code="token_for_another",
            )
        return user


class TokenAdmin(DrfTokenAdmin):
    form = TokenForm
    list_display = ("user", "created")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    # A token's pages title it with its key: only one's own are opened. Another user's token
    # stops working when the user is made inactive (TokenAuthentication checks is_active).
    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._own_only(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._own_only(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def _own_only(self, request, object_id):
        if str(object_id) != str(request.user.pk):  # the admin's token URLs carry the user id
            raise PermissionDenied


for _model, _admin in ((User, UserAdmin), (Group, GroupAdmin), (TokenProxy, TokenAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)

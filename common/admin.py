"""Admin building blocks shared by every app's configuration screens."""

from django.contrib import admin


class ReadOnlyMixin:
    """View only: no add, change or delete for anyone, not even the bulk "delete selected".

    Posted and recorded data (entries, receipts, cases, payments) change only through their
    services; the database refuses such writes anyway (the guards), and this keeps the admin from
    offering them. Works on ``ModelAdmin`` and on inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A ``ModelAdmin`` that only shows."""

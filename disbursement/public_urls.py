"""Public pages of the annual confirmation; composed under /public/ in the ``public`` namespace
by fundapp (no app_name here on purpose)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("confirmations/", public_views.confirmations, name="confirmations"),
    path("confirmations/<int:pk>/", public_views.confirmation, name="confirmation"),
    path(
        "confirmations/<int:pk>/objections/",
        public_views.confirmation_objection,
        name="confirmation-objection",
    ),
    path(
        "confirmations/notices/<int:pk>/",
        public_views.confirmation_notice,
        name="confirmation-notice",
    ),
]

"""Public relief-case pages; composed under /public/ in the ``public`` namespace by fundapp
(no app_name here on purpose)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("notices/", public_views.notices, name="notices"),
    path("notices/archive/", public_views.notice_archive, name="notice-archive"),
    path("notices/<int:notice_id>/pdf/", public_views.notice_pdf, name="notice-pdf"),
    path("objections/", public_views.objection_new, name="objection-new"),
    path("objections/status/", public_views.objection_status, name="objection-status"),
    path("status/", public_views.case_status, name="case-status"),
]

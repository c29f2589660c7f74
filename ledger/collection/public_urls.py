"""The collection's public pages; composed under /public/ in the ``public`` namespace by fundapp."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("receipts/<str:code>/", public_views.receipt_verify, name="receipt-verify"),
    path("donations/", public_views.thank_you, name="thank-you"),
]

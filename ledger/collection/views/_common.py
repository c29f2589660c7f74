"""What the collection's list screens share: paging and the list template's context."""

from __future__ import annotations

from django.core.paginator import Paginator

from common.exports import query_without

PAGE_SIZE = 50


def page_of(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def list_context(request, form, page, **extra) -> dict:
    return {
        "form": form,
        "page": page,
        "query": query_without(request, "page", "format"),
        "export_query": query_without(request, "format"),
        **extra,
    }

"""Public look-up limits per form and per (address, number), in the shared cache, with a clear
wait message (issue 14, point 12): a township office PC or a carrier's NAT — many honest people
behind one address — is not stopped by the per-address limit of one form, while one number's
secret code (a case's look-up code, a receipt's check code) is tried only a few times per
address; each form counts on its own; the refusal says which limit and how long to wait."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from django.urls import reverse

from common import throttle
from tests.ledger.collection.factories import book, donate, person

pytestmark = pytest.mark.django_db

CASE = "public:case-status"
REDIS_URL = os.environ.get("TEST_REDIS_URL_SETUP14", "redis://127.0.0.1:6379/7")


def _ask_case(client, number, code, ip="10.0.0.1"):
    return client.post(
        reverse(CASE), {"number": number, "code": code}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en"
    )


def _verify(client, receipt_code, check, ip="10.0.0.1"):
    return client.get(
        reverse("public:receipt-verify", args=[receipt_code]),
        {"c": check},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_township_office_pc_serves_many_applicants_by_default(client, new_case, drive):
    # given the default limits, and 30 applicants at one village office PC each checking their
    # own case (here: 30 different numbers, none found)
    for i in range(30):
        assert _ask_case(client, f"RC2026-{i:06d}", "0" * 10).status_code == 404
    # when the next applicant checks theirs, then they are served
    case = drive(new_case(), "in_review")
    assert _ask_case(client, case.number, case.lookup_code).status_code == 200


def test_the_refusal_says_which_limit_and_how_long_to_wait(client, settings, new_case, drive):
    settings.PUBLIC_LOOKUP_PER_CASE_LIMIT = 3
    settings.PUBLIC_LOOKUP_PER_CASE_WINDOW_MINUTES = 60
    case = drive(new_case(), "in_review")
    for i in range(3):
        assert _ask_case(client, case.number, f"{i:010d}").status_code == 404
    # when one number is tried once more from the address
    response = _ask_case(client, case.number, case.lookup_code)
    text = response.content.decode()
    # then 429, saying it is this number's limit, and how long to wait: minutes and a time
    assert response.status_code == 429
    assert "This number was looked up 3 times from your address in the last 60 minutes" in text
    assert re.search(r"Please wait (59|60) minutes \(until \d\d:\d\d\) and try again", text)
    assert 3500 <= int(response["Retry-After"]) <= 3600
    # in Chinese too (the message is in the catalogue's language of the reader)
    zh = client.post(
        reverse(CASE),
        {"number": case.number, "code": case.lookup_code},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert zh.status_code == 429 and 'lang="zh-hans"' in zh.content.decode()


def test_the_form_limit_says_it_is_the_form(client, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 2
    settings.PUBLIC_LOOKUP_WINDOW_MINUTES = 10
    for i in range(2):
        _ask_case(client, f"RC{i}", "0" * 10)
    response = _ask_case(client, "RC9", "0" * 10)
    assert response.status_code == 429
    text = response.content.decode()
    assert "This form was used 2 times from your address in the last 10 minutes" in text
    assert 1 <= int(response["Retry-After"]) <= 600


def test_a_receipts_check_code_is_tried_a_few_times_per_address(client, settings):
    settings.PUBLIC_LOOKUP_PER_CASE_LIMIT = 5
    book(first=1, last=9)
    receipt = donate(person("王小红"), "88.00").receipt
    other = donate(person("李四"), "10.00").receipt
    # given five wrong check codes for one receipt from one address
    for i in range(5):
        assert _verify(client, receipt.code, f"WRONG{i}").status_code == 404
    # when the right code comes from that address, then it is refused with the wait message
    refused = _verify(client, receipt.code, receipt.check_code)
    assert refused.status_code == 429 and "This number was looked up" in refused.content.decode()
    # another receipt from the same address, and the same receipt elsewhere, are served
    assert _verify(client, other.code, other.check_code).status_code == 200
    assert _verify(client, receipt.code, receipt.check_code, ip="10.0.0.2").status_code == 200
    # the page without a code (what the QR code opens first) counts nothing
    for _i in range(3):
        page = client.get(reverse("public:receipt-verify", args=[receipt.code]))
        assert page.status_code == 200


def test_each_public_form_counts_on_its_own(client, settings, new_case, drive):
    settings.PUBLIC_LOOKUP_LIMIT = 2
    book(first=1, last=9)
    receipt = donate(person("王小红"), "88.00").receipt
    # given the case look-up used up from one address
    for i in range(2):
        _ask_case(client, f"RC{i}", "0" * 10)
    assert _ask_case(client, "RC9", "0" * 10).status_code == 429
    # then the receipt check and the objection look-up from that address still answer
    assert _verify(client, receipt.code, receipt.check_code).status_code == 200
    found = client.get(reverse("public:objection-status"), {"code": "NOPE"}, REMOTE_ADDR="10.0.0.1")
    assert found.status_code == 404
    # and the receipt check's own count is its own
    assert _verify(client, receipt.code, "WRONG").status_code == 404
    assert _verify(client, receipt.code, receipt.check_code).status_code == 429


def test_the_confirmation_objection_form_is_not_the_case_objection_form():
    # the two objection forms are two forms: two counts
    case_form = throttle.public_form_limit("objection")
    confirmation_form = throttle.public_form_limit("confirmation-objection")
    assert case_form.scope != confirmation_form.scope


@pytest.fixture
def redis_prefix():
    redis = pytest.importorskip("redis")
    prefix = f"setup14-{uuid.uuid4().hex[:8]}"
    yield prefix
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)


def test_the_counts_and_the_wait_live_in_the_shared_cache(client, settings, redis_prefix):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": redis_prefix,
        }
    }
    settings.PUBLIC_LOOKUP_PER_CASE_LIMIT = 2
    book(first=1, last=9)
    receipt = donate(person("王小红"), "88.00").receipt
    # given two wrong codes for one receipt taken by this worker
    for i in range(2):
        assert _verify(client, receipt.code, f"WRONG{i}").status_code == 404
    # when the next try comes through another worker's own client of the same Redis
    other = RedisCache(REDIS_URL, {"KEY_PREFIX": redis_prefix})
    setattr(caches._connections, "default", other)
    limit = throttle.public_number_limit("receipt-verify")
    try:
        response = _verify(client, receipt.code, receipt.check_code)
        # (that worker sees every try counted, and the window's end the first worker noted)
        assert throttle.used(limit, "10.0.0.1", receipt.code) == 3
        first_end = throttle.window_end(limit, "10.0.0.1", receipt.code)
    finally:
        delattr(caches._connections, "default")
    # then it is refused, and the wait it gives ends with the first worker's window
    assert response.status_code == 429
    assert first_end is not None and first_end == throttle.window_end(
        limit, "10.0.0.1", receipt.code
    )
    assert int(response["Retry-After"]) <= limit.window

"""Set-up screens (issue 14, point 5): receipt books in the admin (next year's book, no
overlapping ranges, a used book's numbers never change), bank layouts as a form with validation
and a preview (not raw JSON), staff regions saved through the audited service, and the user
menu's link to the password change page when that page exists."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import StaffProfile
from disbursement.models import BankLayout
from ledger.audit import AuditAction
from ledger.collection import services as collection
from ledger.collection.exceptions import CollectionError
from ledger.collection.models import ReceiptBook
from ledger.models import AuditEvent
from tests.approvals.factories import make_world
from tests.ledger.collection.factories import donate, person

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def admin_user(make_user):
    return make_user("administrator", username="admin1", is_staff=True)


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _book_post(**over):
    data = {"type": "donation", "series": "ZJ2026", "first_number": "1", "last_number": "500"}
    data["active"] = "on"
    data.update(over)
    return data


# --------------------------------------------------------------------------------------------
# receipt books
# --------------------------------------------------------------------------------------------
def test_the_administrator_adds_a_receipt_book_audited(as_admin):
    response = as_admin.post(reverse("admin:ledger_receiptbook_add"), _book_post(), **EN)
    assert response.status_code == 302
    book = ReceiptBook.objects.get()
    assert (book.series, book.first_number, book.last_number) == ("ZJ2026", 1, 500)
    assert AuditEvent.objects.filter(
        action=AuditAction.RECEIPT_BOOK_CREATE, object_id=str(book.pk)
    ).exists()
    assert as_admin.get(reverse("admin:ledger_receiptbook_changelist")).status_code == 200


def test_an_overlapping_range_is_refused_next_to_the_field(as_admin, admin_user):
    collection.receipt_book_create(
        type="donation", series="ZJ2026", first_number=1, last_number=500, actor=admin_user
    )
    response = as_admin.post(
        reverse("admin:ledger_receiptbook_add"),
        _book_post(first_number="400", last_number="900"),
        **EN,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "overlap the book ZJ2026" in text
    assert 'value="900"' in text  # what was typed is kept
    assert ReceiptBook.objects.count() == 1
    # the same numbers in another series are another book
    ok = as_admin.post(
        reverse("admin:ledger_receiptbook_add"),
        _book_post(series="ZJ2026B", first_number="400", last_number="900"),
    )
    assert ok.status_code == 302 and ReceiptBook.objects.count() == 2


def test_a_used_book_keeps_its_numbers_and_may_only_go_out_of_use(as_admin, admin_user):
    book = collection.receipt_book_create(
        type="donation", series="ZJ2026", first_number=1, last_number=9, actor=admin_user
    )
    donate(person("王小红"), "88.00")
    url = reverse("admin:ledger_receiptbook_change", args=[book.pk])
    page = as_admin.get(url, **EN).content.decode()
    # the numbering fields are shown, not offered for editing
    assert 'name="last_number"' not in page and 'name="series"' not in page
    # when the administrator tries to change the range and takes the book out of use
    as_admin.post(url, {"last_number": "5000", "series": "X"}, **EN)
    book.refresh_from_db()
    # then only "in use" changed, audited
    assert (book.series, book.last_number, book.active) == ("ZJ2026", 9, False)
    event = AuditEvent.objects.get(action=AuditAction.RECEIPT_BOOK_CHANGE)
    assert event.data["changed"] == {"active": [True, False]}
    # and the service refuses a used book's new numbers on every path
    with pytest.raises(CollectionError):
        collection.receipt_book_change(book=book, active=True, last_number=5000, actor=admin_user)
    book.refresh_from_db()
    assert book.last_number == 9


def test_an_unused_book_may_be_corrected_without_overlap(admin_user):
    a = collection.receipt_book_create(
        type="donation", series="ZJ", first_number=1, last_number=100, actor=admin_user
    )
    b = collection.receipt_book_create(
        type="donation", series="ZJ", first_number=101, last_number=200, actor=admin_user
    )
    with pytest.raises(CollectionError):
        collection.receipt_book_change(book=b, active=True, first_number=50, actor=admin_user)
    collection.receipt_book_change(book=b, active=True, last_number=300, actor=admin_user)
    b.refresh_from_db()
    a.refresh_from_db()
    assert (a.last_number, b.first_number, b.last_number) == (100, 101, 300)


def test_start_next_years_book_from_the_list(as_admin, admin_user):
    book = collection.receipt_book_create(
        type="donation", series="ZJ2026", first_number=1, last_number=500, actor=admin_user
    )
    nxt = collection.receipt_book_next(book, today=date(2026, 12, 20))
    assert nxt == {"type": "donation", "series": "ZJ2027", "first_number": 1, "last_number": 500}
    # a series without a year continues after its last number
    plain = collection.receipt_book_create(
        type="settlement", series="JS", first_number=1, last_number=100, actor=admin_user
    )
    assert collection.receipt_book_next(plain, today=date(2026, 12, 20)) == {
        "type": "settlement",
        "series": "JS",
        "first_number": 101,
        "last_number": 200,
    }
    # the list links to the add form with the next book filled in
    listing = as_admin.get(reverse("admin:ledger_receiptbook_changelist"), **EN)
    assert "Start the next book" in listing.content.decode()
    year = timezone.localdate().year
    form = as_admin.get(
        reverse("admin:ledger_receiptbook_add"),
        {"type": "donation", "series": f"ZJ{year + 1}", "first_number": 1, "last_number": 500},
    ).content.decode()
    assert f'value="ZJ{year + 1}"' in form


def test_only_the_administrator_configures_receipt_books(client, make_user):
    officer = make_user("finance_officer", username="off", is_staff=True)
    client.force_login(officer)
    response = client.post(reverse("admin:ledger_receiptbook_add"), _book_post())
    assert response.status_code == 403 and not ReceiptBook.objects.exists()


# --------------------------------------------------------------------------------------------
# bank layouts: a form, not JSON
# --------------------------------------------------------------------------------------------
def _layout_post(**over):
    data = {
        "name": "县农商行",
        "delimiter": ",",
        "encoding": "utf-8",
        "is_active": "on",
        "export_account_position": "1",
        "export_account_header": "账号",
        "export_holder_position": "2",
        "export_holder_header": "户名",
        "export_amount_position": "3",
        "export_amount_header": "金额",
        "export_reference_position": "4",
        "export_reference_header": "流水号",
        "result_reference_header": "流水号",
        "result_status_header": "状态",
        "result_amount_header": "金额",
        "result_bank_txn_id_header": "银行流水",
        "paid_values_text": "成功\n已入账",
        "failed_values_text": "失败",
    }
    data.update(over)
    return data


def test_a_bank_layout_is_entered_as_a_form_and_previewed(as_admin):
    response = as_admin.post(reverse("admin:disbursement_banklayout_add"), _layout_post(), **EN)
    assert response.status_code == 302
    layout = BankLayout.objects.get()
    assert layout.export_columns == [
        ["account", "账号"],
        ["holder", "户名"],
        ["amount", "金额"],
        ["reference", "流水号"],
    ]
    assert layout.result_columns == {
        "reference": "流水号",
        "status": "状态",
        "amount": "金额",
        "bank_txn_id": "银行流水",
    }
    assert (layout.paid_values, layout.failed_values) == (["成功", "已入账"], ["失败"])
    # the change page shows the form (no JSON) and a preview of the files
    page = as_admin.get(
        reverse("admin:disbursement_banklayout_change", args=[layout.pk]), **EN
    ).content.decode()
    assert 'name="export_columns"' not in page
    assert 'name="export_account_position"' in page and 'value="账号"' in page
    assert "账号,户名,金额,流水号" in page
    assert "6217000000000000000,张三,1200.00,PB2026-000001-0001" in page
    assert "流水号,状态,银行流水,金额" in page


def test_a_wrong_layout_is_refused_field_by_field_keeping_the_input(as_admin):
    response = as_admin.post(
        reverse("admin:disbursement_banklayout_add"),
        _layout_post(
            export_account_position="",
            export_memo_position="3",
            export_memo_header="附言",
            result_status_header="",
            failed_values_text="成功",
        ),
        **EN,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "The bank&#x27;s payment file needs this field." in text
    assert "Column 3 is already" in text
    assert "The bank&#x27;s result file has this column." in text
    assert "cannot mean both paid and failed" in text
    assert 'value="附言"' in text  # what was typed is kept
    assert not BankLayout.objects.exists()


def test_editing_a_layout_keeps_what_it_does_not_touch(as_admin):
    as_admin.post(reverse("admin:disbursement_banklayout_add"), _layout_post())
    layout = BankLayout.objects.get()
    response = as_admin.post(
        reverse("admin:disbursement_banklayout_change", args=[layout.pk]),
        _layout_post(export_id_number_position="5", export_id_number_header="证件号码"),
    )
    assert response.status_code == 302
    layout.refresh_from_db()
    assert layout.export_columns[-1] == ["id_number", "证件号码"]
    assert len(layout.export_columns) == 5


# --------------------------------------------------------------------------------------------
# staff regions, and the password link
# --------------------------------------------------------------------------------------------
def test_a_staff_region_set_in_the_admin_is_audited(as_admin, make_user):
    world = make_world()
    clerk = make_user("case_worker", username="clerk")
    response = as_admin.post(
        reverse("admin:approvals_staffprofile_add"),
        {"user": clerk.pk, "region": world.village_a1.pk},
    )
    assert response.status_code == 302
    assert StaffProfile.objects.get(user=clerk).region == world.village_a1
    event = AuditEvent.objects.get(action=AuditAction.STAFF_REGION)
    assert event.data == {"user": clerk.pk, "region": world.village_a1.code}


def test_the_user_menu_links_the_password_change_page(client, make_user):
    officer = make_user("finance_officer", username="amy")
    client.force_login(officer)
    page = client.get(reverse("home"), **EN).content.decode()
    assert 'href="/accounts/password/"' in page and "Change password" in page
    assert client.get("/accounts/password/", **EN).status_code == 200

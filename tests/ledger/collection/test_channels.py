"""WeChat Pay, Alipay and POS donations: received into the channel's clearing account, settled
to the bank by the channel's settlement file (with its fee), reconciled per channel.

Given / when / then in each test; the worked example at the top runs the whole story and then
checks the books (trial balance per account, verify_ledger)."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from djmoney.money import Money

from ledger import chart
from ledger.collection import exceptions, services
from ledger.collection.channel_selectors import channel_positions
from ledger.collection.documents import receipt_pdf
from ledger.collection.models import (
    ChannelSettlement,
    ChannelSettlementLine,
    ChannelStatement,
    Donation,
    Receipt,
)
from ledger.collection.services import channel_settlement_import, donation_import
from ledger.exceptions import PeriodClosed
from ledger.models import Account, Balance, Fund, JournalEntry, JournalLine
from ledger.selectors import account_balance
from ledger.verification import verify_ledger

from .factories import book, english, key, person, unit  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)
HEADER = ["date", "transaction_ref", "gross", "fee", "net"]
CN_HEADER = ["交易日期", "商户单号", "交易金额", "手续费", "结算金额"]


def give(donor, amount, method="wechat", ref=None, fund="RELIEF", day=None, actor=None, **kw):
    return services.donation_record(
        donor=donor,
        fund=fund,
        amount=Money(amount, "CNY"),
        method=method,
        channel_ref=ref if ref is not None else f"{method.upper()}{key()}",
        received_on=day or YESTERDAY,
        idempotency_key=key(),
        actor=actor,
        **kw,
    )


def settlement_csv(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def settle(rows, channel="wechat", on=TODAY, actor=None, name="wx.csv", header=HEADER):
    return channel_settlement_import(
        channel=channel,
        settled_on=on,
        content=settlement_csv(rows, header),
        filename=name,
        actor=actor,
    )


def bal(code, fund="RELIEF") -> Decimal:
    return (
        account_balance(account=Account.objects.get(code=code), fund=Fund.objects.get(code=fund))
        .get("CNY", Money(0, "CNY"))
        .amount
    )


def snapshot():
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        ChannelStatement.objects.count(),
        ChannelSettlementLine.objects.count(),
        ChannelSettlement.objects.count(),
        list(Balance.objects.order_by("pk").values_list("balance", flat=True)),
    )


# --- the chart -----------------------------------------------------------------------------


def test_the_books_have_a_clearing_account_per_channel_under_1009():
    # given the migrated books, then 1009 其他货币资金 holds one clearing account per channel
    parent = Account.objects.get(code="1009")
    assert parent.name_zh == "其他货币资金" and parent.type == "asset"
    for channel, code in chart.CLEARING.items():
        account = Account.objects.get(code=code)
        assert account.parent_id == parent.pk and account.normal_side == "D", channel


# --- the worked example --------------------------------------------------------------------


def test_worked_example_wechat_and_alipay_donations_settled_with_their_fees(officer):
    # given a donation receipt book, two WeChat Pay gifts (one to each fund) and an Alipay gift
    book()
    w1 = give(person("王芳"), "100.00", ref="4200001234202612070001", actor=officer)
    w2 = give(unit(), "1000.00", ref="4200001234202612070002", fund="REWARD", actor=officer)
    a1 = give(person("李雷"), "50.00", method="alipay", ref="2026120722001", actor=officer)
    # then the money waits in the clearing accounts, as donation income
    assert bal("100901") == Decimal("100.00") and bal("100901", "REWARD") == Decimal("1000.00")
    assert bal("100902") == Decimal("50.00") and bal(chart.BANK) == 0
    assert w1.entry.lines.get(side="D").account.code == "100901"

    # when WeChat's settlement file arrives: both gifts, 0.6% fee, net to the bank
    result = settle(
        [
            [YESTERDAY.isoformat(), w1.channel_ref, "100.00", "0.60", "99.40"],
            [YESTERDAY.isoformat(), w2.channel_ref, "1000.00", "6.00", "994.00"],
        ],
        actor=officer,
    )

    # then one settlement per fund: Dr bank net, Dr bank charges fee, Cr clearing gross
    assert result.ok and len(result.settled) == 2 and not result.exceptions
    assert result.totals["settled"]["net"] == Money("1093.40", "CNY")
    relief = ChannelSettlement.objects.get(fund__code="RELIEF")
    lines = {(ln.account.code, ln.side): ln.amount.amount for ln in relief.entry.lines.all()}
    assert lines == {
        (chart.BANK, "D"): Decimal("99.40"),
        (chart.BANK_CHARGES, "D"): Decimal("0.60"),
        ("100901", "C"): Decimal("100.00"),
    }
    assert relief.entry.source == "channel_settlement" and relief.entry.date == TODAY
    assert bal("100901") == 0 and bal("100901", "REWARD") == 0
    assert bal(chart.BANK) == Decimal("99.40") and bal(chart.BANK, "REWARD") == Decimal("994.00")
    assert bal(chart.BANK_CHARGES) == Decimal("0.60")
    # and the Alipay gift still waits: the reconciliation says so, and agrees
    positions = {p.channel: p for p in channel_positions()}
    assert positions["wechat"].clearing == {"CNY": Decimal("0.00")}
    assert positions["wechat"].fees == {"CNY": Decimal("6.60")}
    assert positions["wechat"].reconciled
    assert positions["alipay"].unsettled == {"CNY": Decimal("50.00")}
    assert positions["alipay"].difference == {"CNY": Decimal("0.00")}
    assert Donation.objects.get(pk=a1.pk).channel_ref == "2026120722001"
    # and the books verify: chain, balances, documents
    assert verify_ledger().ok


def test_the_same_file_again_posts_nothing_new(officer):
    # given a settled WeChat file
    book()
    d = give(person(), "20.00", actor=officer)
    rows = [[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]]
    settle(rows, actor=officer)
    before = snapshot()
    # when the same file is imported again
    again = settle(rows, actor=officer)
    # then nothing is posted and the import says it was all there
    assert again.ok and again.already == 1 and again.statement is None
    assert snapshot() == before


def test_a_file_with_one_known_and_one_new_transaction_settles_only_the_new(officer):
    book()
    d1 = give(person(), "20.00", actor=officer)
    d2 = give(person("赵六"), "30.00", actor=officer)
    settle([[YESTERDAY.isoformat(), d1.channel_ref, "20.00", "0.12", "19.88"]], actor=officer)
    result = settle(
        [
            [YESTERDAY.isoformat(), d1.channel_ref, "20.00", "0.12", "19.88"],
            [YESTERDAY.isoformat(), d2.channel_ref, "30.00", "0.18", "29.82"],
        ],
        actor=officer,
        name="wx-2.csv",
    )
    assert result.already == 1 and [ln.donation_id for ln in result.settled] == [d2.pk]
    assert bal(chart.BANK) == Decimal("49.70") and bal("100901") == 0


def test_a_transaction_without_a_donation_is_kept_as_an_exception_not_posted(officer):
    # given a WeChat file naming a transaction the books do not know
    book()
    d = give(person(), "20.00", actor=officer)
    result = settle(
        [
            [YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"],
            [YESTERDAY.isoformat(), "UNKNOWN0001", "8.00", "0.05", "7.95"],
        ],
        actor=officer,
    )
    # then the known one is settled and the unknown one listed, with nothing posted for it
    assert [ln.transaction_ref for ln in result.exceptions] == ["UNKNOWN0001"]
    assert bal(chart.BANK) == Decimal("19.88")
    position = {p.channel: p for p in channel_positions()}["wechat"]
    assert position.exception_count == 1 and position.exceptions == {"CNY": Decimal("8.00")}
    assert not position.reconciled


@pytest.mark.parametrize(
    "row, column, message",
    [
        (["{d}", "{ref}", "20.00", "0.12", "19.87"], "net", "is not gross"),
        (["{d}", "{ref}", "20.001", "0.12", "19.88"], "gross", "two decimal places"),
        (["{d}", "{ref}", "20.00", "-0.12", "20.12"], "fee", "negative"),
        (["{d}", "{ref}", "20.00", "21.00", "0"], "fee", "larger than the gross"),
        (["{d}", "{ref}", "0", "0", "0"], "gross", "more than zero"),
        (["{d}", "", "20.00", "0.12", "19.88"], "transaction_ref", "empty"),
        (["not a date", "{ref}", "20.00", "0.12", "19.88"], "date", "not a date"),
        (["{d}", "{ref}", "=1+1", "0.12", "19.88"], "gross", "formula"),
        (["{d}", "{ref}", "19.00", "0.12", "18.88"], "gross", "is not the donation's"),
    ],
)
def test_a_wrong_row_refuses_the_whole_file_with_its_row_and_column(officer, row, column, message):
    # given a donation and a file of two rows, the second one wrong
    book()
    good = give(person(), "10.00", actor=officer)
    d = give(person("赵六"), "20.00", actor=officer)
    bad = [cell.format(d=YESTERDAY.isoformat(), ref=d.channel_ref) for cell in row]
    before = snapshot()
    # when it is imported
    result = settle(
        [[YESTERDAY.isoformat(), good.channel_ref, "10.00", "0.06", "9.94"], bad], actor=officer
    )
    # then the row is reported (row 3: the header is row 1) and nothing is recorded
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert message in result.errors[0].message
    assert snapshot() == before


def test_the_same_reference_twice_in_a_file_is_refused(officer):
    book()
    d = give(person(), "20.00", actor=officer)
    row = [YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]
    result = settle([row, row], actor=officer)
    assert [(e.row, e.column) for e in result.errors] == [(3, "transaction_ref")]
    assert "row 2" in result.errors[0].message


def test_a_settled_transaction_with_other_amounts_is_refused(officer):
    book()
    d = give(person(), "20.00", actor=officer)
    settle([[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]], actor=officer)
    before = snapshot()
    result = settle(
        [[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.20", "19.80"]],
        actor=officer,
        name="corrected.csv",
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "transaction_ref")]
    assert "settled once" in result.errors[0].message
    assert snapshot() == before


def test_chinese_headers_and_a_channel_timestamp_are_read(officer):
    book()
    d = give(person(), "66.00", method="pos", ref="POS000123", actor=officer)
    result = settle(
        [[f"{YESTERDAY.isoformat()} 10:15:00", "POS000123", "¥66.00", "0.40", "65.60"]],
        channel="pos",
        header=CN_HEADER,
        actor=officer,
    )
    assert result.ok and result.settled[0].donation_id == d.pk
    assert bal("100903") == 0 and bal(chart.BANK) == Decimal("65.60")


def test_an_xlsx_settlement_file_is_read_through_the_upload_limits(officer):
    from openpyxl import Workbook

    book()
    d = give(person(), "12.00", method="alipay", actor=officer)
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append([YESTERDAY, d.channel_ref, 12, 0.07, 11.93])
    buf = io.BytesIO()
    wb.save(buf)
    result = channel_settlement_import(
        channel="alipay", settled_on=TODAY, content=buf.getvalue(), filename="a.xlsx", actor=officer
    )
    assert result.ok and result.settled[0].net == Decimal("11.93")


def test_a_whole_gift_taken_as_fee_posts_no_bank_line(officer):
    book()
    d = give(person(), "0.01", actor=officer)
    result = settle([[YESTERDAY.isoformat(), d.channel_ref, "0.01", "0.01", "0.00"]], actor=officer)
    assert result.ok
    entry = result.settled[0].settlement.entry
    assert {ln.account.code for ln in entry.lines.all()} == {chart.BANK_CHARGES, "100901"}


def test_another_channels_reference_does_not_match(officer):
    # given an Alipay gift, when its reference comes in WeChat's file, it is an exception
    book()
    d = give(person(), "20.00", method="alipay", actor=officer)
    result = settle([[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]])
    assert len(result.exceptions) == 1 and not result.settled
    assert bal("100902") == Decimal("20.00")


def test_a_settlement_dated_before_the_gift_is_refused(officer):
    book()
    d = give(person(), "20.00", day=TODAY, actor=officer)
    result = settle(
        [[TODAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]], on=YESTERDAY, actor=officer
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "date")]


def test_a_settlement_into_a_closed_period_is_refused_and_changes_nothing(officer, supervisor):
    from ledger.services import period_close

    book()
    old = date(TODAY.year - 1, 6, 10)
    d = give(person(), "20.00", day=old, actor=officer)
    from ledger.models import Period

    period_close(period=Period.objects.get(start__lte=old, end__gte=old), actor=None, confirm=True)
    before = snapshot()
    with pytest.raises(PeriodClosed):
        settle([[old.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]], on=old, actor=officer)
    assert snapshot() == before


def test_only_finance_staff_import_settlements(auditor):
    from ledger.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        settle([[YESTERDAY.isoformat(), "X1", "1.00", "0", "1.00"]], actor=auditor)


# --- recording channel donations ---------------------------------------------------------


def test_a_channel_donation_needs_its_reference_and_a_direct_one_has_none(officer):
    book()
    with pytest.raises(exceptions.CollectionError, match="transaction reference"):
        give(person(), "10.00", ref="", actor=officer)
    with pytest.raises(exceptions.CollectionError, match="Only WeChat Pay"):
        give(person(), "10.00", method="bank", ref="ABC", actor=officer)
    with pytest.raises(exceptions.CollectionError, match="blanks"):
        give(person(), "10.00", ref="AB C", actor=officer)
    assert not Donation.objects.exists()


def test_one_channel_payment_is_one_donation_but_a_voided_one_may_be_recorded_again(
    officer, supervisor, make_user
):
    # given a WeChat gift
    book()
    donor = person()
    first = give(donor, "10.00", ref="WX1", actor=officer)
    # when the same transaction is recorded again (another key), it is refused
    with pytest.raises(exceptions.ChannelRefTaken, match="already recorded"):
        give(donor, "10.00", ref="WX1", actor=officer)
    # and the same reference in another channel is another payment
    give(donor, "10.00", method="alipay", ref="WX1", actor=officer)
    # when the first receipt is voided (wrong donor), the payment can be recorded correctly
    request = services.receipt_void_request(
        receipt=first.receipt, reason="捐赠人错误", actor=officer
    )
    services.receipt_void_approve(request=request, actor=supervisor)
    again = give(person("李雷"), "10.00", ref="WX1", actor=officer)
    # then the settlement matches the valid donation only
    result = settle([[YESTERDAY.isoformat(), "WX1", "10.00", "0.06", "9.94"]], actor=officer)
    assert result.settled[0].donation_id == again.pk
    assert bal("100901") == 0


def test_a_settled_channel_donation_cannot_be_voided(officer, supervisor):
    book()
    d = give(person(), "10.00", actor=officer)
    request = services.receipt_void_request(receipt=d.receipt, reason="重复", actor=officer)
    settle([[YESTERDAY.isoformat(), d.channel_ref, "10.00", "0.06", "9.94"]], actor=officer)
    before = snapshot()
    with pytest.raises(exceptions.VoidNotAllowed, match="already settled"):
        services.receipt_void_approve(request=request, actor=supervisor)
    with pytest.raises(exceptions.VoidNotAllowed, match="already settled"):
        services.receipt_void_request(receipt=d.receipt, reason="again", actor=supervisor)
    assert snapshot() == before and not Receipt.objects.get(pk=d.receipt_id).is_void


def test_allocations_take_no_channel(officer):
    book(type="settlement")
    with pytest.raises(exceptions.CollectionError, match="bank transfer, cash or cheque"):
        services.allocation_record(
            kind="fiscal",
            source_name="县财政局",
            fund="RELIEF",
            amount=Money("10", "CNY"),
            method="wechat",
            received_on=YESTERDAY,
            idempotency_key=key(),
            actor=officer,
        )


def test_the_receipt_shows_the_channel_and_its_transaction(officer, monkeypatch):
    # given a WeChat donation
    book()
    d = give(person(), "10.00", ref="4200009999", actor=officer)
    seen = {}

    def fake_render(template, context):
        seen.update(context)
        return b"%PDF"

    monkeypatch.setattr("ledger.collection.documents.render_pdf", fake_render)
    # when its receipt is printed, then it names the channel and the transaction
    receipt_pdf(d.receipt)
    assert seen["channel"].startswith("微信支付") and seen["channel_ref"] == "4200009999"
    from django.template.loader import render_to_string

    html = render_to_string("ledger/pdf/receipt.html", seen)
    assert "4200009999" in html and "微信支付 WeChat Pay" in html


# --- bulk donation import ------------------------------------------------------------------


def test_the_donation_import_takes_channel_methods_and_their_references(officer):
    book()
    header = ["捐赠方", "类型", "基金", "金额", "方式", "日期", "交易单号"]
    rows = [
        ["张三", "个人", "RELIEF", "10", "微信", YESTERDAY.isoformat(), "WXIMP1"],
        ["李四", "个人", "RELIEF", "20", "alipay", YESTERDAY.isoformat(), "ALIMP1"],
    ]
    result = donation_import(content=settlement_csv(rows, header), filename="d.csv", actor=officer)
    assert result.ok
    assert sorted(Donation.objects.values_list("method", "channel_ref")) == [
        ("alipay", "ALIMP1"),
        ("wechat", "WXIMP1"),
    ]
    assert bal("100901") == Decimal("10.00") and bal("100902") == Decimal("20.00")


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([["张三", "个人", "RELIEF", "10", "微信", "{d}", ""]], [(2, "channel_ref")]),
        ([["张三", "个人", "RELIEF", "10", "银行", "{d}", "X1"]], [(2, "channel_ref")]),
        (
            [
                ["张三", "个人", "RELIEF", "10", "微信", "{d}", "X1"],
                ["李四", "个人", "RELIEF", "10", "微信", "{d}", "X1"],
            ],
            [(3, "channel_ref")],
        ),
        ([["张三", "个人", "RELIEF", "10", "微信", "{d}", "TAKEN1"]], [(2, "channel_ref")]),
    ],
)
def test_the_donation_import_refuses_bad_references_by_row(officer, rows, expected):
    book()
    give(person(), "5.00", ref="TAKEN1", actor=officer)
    header = ["捐赠方", "类型", "基金", "金额", "方式", "日期", "交易单号"]
    filled = [[c.format(d=YESTERDAY.isoformat()) for c in r] for r in rows]
    count = Donation.objects.count()
    result = donation_import(
        content=settlement_csv(filled, header), filename="d.csv", actor=officer
    )
    assert [(e.row, e.column) for e in result.errors] == expected
    assert Donation.objects.count() == count


# --- the database holds it -----------------------------------------------------------------


def test_the_database_refuses_a_second_line_for_a_transaction(officer):
    # given a settled WeChat transaction
    book()
    d = give(person(), "20.00", actor=officer)
    result = settle([[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]])
    line = result.settled[0]
    fields = dict(
        statement=line.statement,
        channel="wechat",
        transaction_ref=line.transaction_ref,
        transacted_on=YESTERDAY,
        currency="CNY",
        gross=Decimal("20.00"),
        fee=Decimal("0.12"),
        net=Decimal("19.88"),
    )
    # when a second line for it is written around the service, the database refuses
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelSettlementLine.objects.bulk_create([ChannelSettlementLine(**fields)])
    # and a second line for the donation under another reference too
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelSettlementLine.objects.bulk_create(
            [
                ChannelSettlementLine(
                    **{**fields, "transaction_ref": "OTHER"},
                    donation=d,
                    settlement=line.settlement,
                )
            ]
        )


@pytest.mark.parametrize(
    "gross, fee, net",
    [("20.00", "0.12", "19.87"), ("20.00", "21.00", "-1.00"), ("0.00", "0.00", "0.00")],
)
def test_the_database_refuses_amounts_that_do_not_add_up(officer, gross, fee, net):
    book()
    statement = ChannelStatement.objects.create(
        channel="wechat", settled_on=TODAY, file_name="x.csv", file_sha256="0" * 64
    )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_channelsettlementline (statement_id, channel, transaction_ref,"
            " transacted_on, currency, gross, fee, net) VALUES (%s, 'wechat', 'R1', %s,"
            " 'CNY', %s, %s, %s)",
            [statement.pk, TODAY, Decimal(gross), Decimal(fee), Decimal(net)],
        )


def test_the_database_refuses_a_channel_donation_without_its_reference(officer):
    book()
    d = give(person(), "20.00", actor=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.filter(pk=d.pk).update(channel_ref="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.filter(pk=d.pk).update(method="bank")  # a bank transfer with a ref
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.filter(pk=d.pk).update(method="paypal")


# --- screens and API -----------------------------------------------------------------------


def _upload(client, rows, channel="wechat", on=TODAY, name="wx.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("collection:settlement-import"),
        {
            "channel": channel,
            "settled_on": on.isoformat(),
            "file": SimpleUploadedFile(name, settlement_csv(rows), content_type="text/csv"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_import_screen_settles_and_reports_by_row(client, officer):
    book()
    d = give(person(), "20.00", actor=officer)
    client.force_login(officer)
    # a wrong row: 400, the row and column listed, the form kept
    bad = _upload(client, [[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.00"]])
    assert bad.status_code == 400
    assert b"settlement-errors" in bad.content and b"is not gross" in bad.content
    assert not ChannelStatement.objects.exists()
    # the right file: settled
    ok = _upload(client, [[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]])
    assert ok.status_code == 200 and b"settlement-done" in ok.content
    # the same file again (a double submit): nothing new
    again = _upload(client, [[YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"]])
    assert again.status_code == 200 and b"settlement-nothing-new" in again.content
    assert ChannelStatement.objects.count() == 1


def test_the_import_screen_refuses_a_future_date_next_to_the_field(client, officer):
    client.force_login(officer)
    response = _upload(client, [["2020-01-01", "X", "1", "0", "1"]], on=TODAY + timedelta(days=2))
    assert response.status_code == 400 and b"cannot be in the future" in response.content


def test_the_reconciliation_screen_shows_each_channel(client, officer, auditor):
    book()
    d = give(person(), "20.00", actor=officer)
    give(person("李雷"), "7.00", method="alipay", ref="ALI-UNSETTLED", actor=officer)
    settle(
        [
            [YESTERDAY.isoformat(), d.channel_ref, "20.00", "0.12", "19.88"],
            [YESTERDAY.isoformat(), "NO-SUCH-GIFT", "3.00", "0.02", "2.98"],
        ]
    )
    client.force_login(auditor)
    response = client.get(reverse("collection:channel-reconciliation"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ALI-UNSETTLED" in body and "NO-SUCH-GIFT" in body
    assert "CNY 0.12" in body  # WeChat's fees
    # the auditor reads it but may not import
    assert reverse("collection:settlement-import") not in body
    assert client.get(reverse("collection:settlement-import")).status_code == 403
    # and it is read-only
    assert client.post(reverse("collection:channel-reconciliation")).status_code == 405


def test_the_reconciliation_screen_in_chinese(client, officer):
    client.force_login(officer)
    response = client.get(
        reverse("collection:channel-reconciliation"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200


def test_the_donation_form_keeps_what_was_typed_when_the_reference_is_missing(client, officer):
    book()
    donor = person()
    client.force_login(officer)
    response = client.post(
        reverse("collection:donation-new"),
        {
            "donor": donor.pk,
            "fund": Fund.objects.get(code="RELIEF").pk,
            "amount": "88.00",
            "currency": "CNY",
            "method": "wechat",
            "channel_ref": "",
            "received_on": YESTERDAY.isoformat(),
            "idempotency_key": "web:form-1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert b"transaction reference" in response.content and b'value="88.00"' in response.content
    assert not Donation.objects.exists()
    # with it, the donation is recorded and its page shows the channel and the reference
    response = client.post(
        reverse("collection:donation-new"),
        {
            "donor": donor.pk,
            "fund": Fund.objects.get(code="RELIEF").pk,
            "amount": "88.00",
            "currency": "CNY",
            "method": "wechat",
            "channel_ref": "4200000088",
            "received_on": YESTERDAY.isoformat(),
            "idempotency_key": "web:form-1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert b"4200000088" in page.content and b"WeChat Pay" in page.content


def test_the_api_records_a_channel_donation_once(client, officer):
    book()
    donor = person()
    client.force_login(officer)
    url = reverse("collection-api:donation-list")
    body = {
        "donor": donor.pk,
        "fund": "RELIEF",
        "amount": "15.00",
        "currency": "CNY",
        "method": "alipay",
        "channel_ref": "2026ALI0001",
        "received_on": YESTERDAY.isoformat(),
    }
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1")
    assert first.status_code == 201, first.content
    assert first.json()["channel_ref"] == "2026ALI0001" and first.json()["settled"] is False
    # another key, same transaction: refused, 409
    second = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a2")
    assert second.status_code == 409 and second.json()["code"] == "channel_ref_taken"
    # no reference: 400
    missing = client.post(
        url, {**body, "channel_ref": ""}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a3"
    )
    assert missing.status_code == 400
    assert Donation.objects.count() == 1


# --- exceptions matched later --------------------------------------------------------------


def test_an_exception_is_settled_once_its_donation_is_recorded(officer):
    # given a WeChat file whose second transaction the books did not know
    book()
    known = give(person(), "20.00", actor=officer)
    result = settle(
        [
            [YESTERDAY.isoformat(), known.channel_ref, "20.00", "0.12", "19.88"],
            [YESTERDAY.isoformat(), "LATE0001", "8.00", "0.05", "7.95"],
        ],
        actor=officer,
    )
    [line] = result.exceptions
    # when settling it before the donation exists, it is refused and nothing changes
    before = snapshot()
    with pytest.raises(exceptions.CollectionError, match="record the donation first"):
        services.channel_exception_settle(line=line, actor=officer)
    assert snapshot() == before
    # when the donation is recorded with the reference, and the exception settled
    late = give(person("迟到"), "8.00", ref="LATE0001", actor=officer)
    settled = services.channel_exception_settle(line=line, actor=officer)
    # then the line names the donation and its own settlement entry, dated the statement's day
    assert settled.donation_id == late.pk and settled.settlement.entry.date == TODAY
    assert bal("100901") == 0 and bal(chart.BANK) == Decimal("27.83")
    assert {p.channel: p for p in channel_positions()}["wechat"].reconciled
    # and settling it again (a double click) changes nothing
    before = snapshot()
    services.channel_exception_settle(line=line, actor=officer)
    assert snapshot() == before
    # and re-importing the file posts nothing either
    again = settle(
        [
            [YESTERDAY.isoformat(), known.channel_ref, "20.00", "0.12", "19.88"],
            [YESTERDAY.isoformat(), "LATE0001", "8.00", "0.05", "7.95"],
        ],
        actor=officer,
    )
    assert again.already == 2 and snapshot() == before
    assert verify_ledger().ok


def test_an_exception_with_another_amount_is_not_settled(officer):
    book()
    [line] = settle([[YESTERDAY.isoformat(), "LATE0002", "8.00", "0.05", "7.95"]]).exceptions
    give(person(), "9.00", ref="LATE0002", actor=officer)
    before = snapshot()
    with pytest.raises(exceptions.CollectionError, match="is not the donation's"):
        services.channel_exception_settle(line=line, actor=officer)
    assert snapshot() == before


def test_the_exception_button_settles_and_says_so(client, officer, auditor):
    book()
    [line] = settle([[YESTERDAY.isoformat(), "LATE0003", "8.00", "0.05", "7.95"]]).exceptions
    url = reverse("collection:channel-exception-settle", args=[line.pk])
    client.force_login(auditor)
    assert client.post(url).status_code == 403
    client.force_login(officer)
    page = client.get(reverse("collection:channel-reconciliation"))
    assert url.encode() in page.content
    assert client.get(url).status_code == 405
    # refused first (no donation): the message says why, nothing changes
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert b"record the donation first" in response.content
    give(person(), "8.00", ref="LATE0003", actor=officer)
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert b"is settled with receipt" in response.content
    assert ChannelSettlementLine.objects.get(pk=line.pk).donation_id is not None

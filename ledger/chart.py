"""The default chart of accounts and funds (DOMAIN.md), loaded by ``setup_books``.

Migration 0003 holds a frozen copy of the chart it loaded; change the chart with a new
migration too.

A sensible default, not a law: the administrator edits names, adds accounts and funds in the
admin. Codes the system posts to by itself are named here once.
"""

CASH = "1001"
BANK = "1002"
# 其他货币资金: money held by a payment channel (WeChat Pay, Alipay, the POS acquirer) until it
# settles to the bank; one sub-account per channel (migration 0017 added them to existing books).
OTHER_MONETARY_FUNDS = "1009"
CLEARING = {"wechat": "100901", "alipay": "100902", "pos": "100903"}
# 其他应收款: money paid in error that the fund claims back from the person (a recovery).
RECOVERIES_RECEIVABLE = "1221"
AWARDS_PAYABLE = "2201"
UNRESTRICTED_NET_ASSETS = "3101"
RESTRICTED_NET_ASSETS = "3102"
DONATION_INCOME = "4101"
ALLOCATION_INCOME = "4201"
RELIEF_EXPENSE = "5101"
REWARD_EXPENSE = "5102"
BANK_CHARGES = "5201"

# (code, type, Chinese name, English name)
ACCOUNTS = [
    (CASH, "asset", "库存现金", "Cash on hand"),
    (BANK, "asset", "银行存款", "Cash at bank"),
    (OTHER_MONETARY_FUNDS, "asset", "其他货币资金", "Other monetary funds"),
    (CLEARING["wechat"], "asset", "其他货币资金-微信支付待清算", "WeChat Pay clearing"),
    (CLEARING["alipay"], "asset", "其他货币资金-支付宝待清算", "Alipay clearing"),
    (CLEARING["pos"], "asset", "其他货币资金-POS刷卡待清算", "POS (card terminal) clearing"),
    (RECOVERIES_RECEIVABLE, "asset", "其他应收款", "Recoveries receivable"),
    (AWARDS_PAYABLE, "liability", "应付救助款", "Awards payable"),
    (UNRESTRICTED_NET_ASSETS, "net_assets", "非限定性净资产", "Unrestricted net assets"),
    (RESTRICTED_NET_ASSETS, "net_assets", "限定性净资产", "Restricted net assets"),
    (DONATION_INCOME, "income", "捐赠收入", "Donation income"),
    (ALLOCATION_INCOME, "income", "财政补助收入", "Allocation income"),
    (RELIEF_EXPENSE, "expense", "救助支出", "Relief expense"),
    (REWARD_EXPENSE, "expense", "奖励扶助支出", "Reward and assistance expense"),
    (BANK_CHARGES, "expense", "手续费", "Bank charges"),
]

# Sub-accounts and the account they belong to (Account.parent).
PARENTS = {code: OTHER_MONETARY_FUNDS for code in CLEARING.values()}

# The part each account plays in the controls (Account.role) and what an expense line pays
# (Account.purpose); migration 0010 set these on existing books, 0014 added 1221's.
ROLES = {
    CASH: "cash",
    BANK: "bank",
    AWARDS_PAYABLE: "awards_payable",
    RECOVERIES_RECEIVABLE: "recoveries_receivable",
    DONATION_INCOME: "donation_income",
    ALLOCATION_INCOME: "allocation_income",
}
PURPOSES = {RELIEF_EXPENSE: "relief", REWARD_EXPENSE: "reward", BANK_CHARGES: "operations"}

# (code, Chinese name, English name, restricted, purposes)
FUNDS = [
    (
        "RELIEF",
        "人口与计划生育救助公益金",
        "Population and family-planning relief fund",
        True,
        ["relief", "special", "operations"],
    ),
    ("REWARD", "奖励扶助金", "Reward and assistance fund", True, ["reward", "operations"]),
    ("GENERAL", "非限定性公益金", "Unrestricted general fund", False, []),
]

"""Finance: stock quotes, currency conversion, transfers, transaction history and loan payments."""

from __future__ import annotations

import datetime
import random

from harness.tasks.function_calling.datagen.toolspec import MONTHS, Ask, Tool, join_words

DOMAIN = "finance"

SYMBOLS = [
    "AAPL",
    "MSFT",
    "NVDA",
    "AMZN",
    "GOOGL",
    "KO",
    "JPM",
    "XOM",
    "PFE",
    "DIS",
    "NFLX",
    "INTC",
    "TSLA",
    "WMT",
    "COST",
    "IBM",
    "ORCL",
    "NKE",
    "SBUX",
    "ADBE",
]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK", "NOK", "INR", "MXN", "SGD"]
CATEGORIES = ["groceries", "dining", "travel", "utilities", "entertainment", "shopping", "transport", "health"]
ACCOUNT_PREFIXES = ["CHK", "SAV", "BRK", "JNT"]
MEMOS = [
    "June rent",
    "Holiday fund",
    "Car repair",
    "Birthday gift",
    "Emergency savings",
    "Tuition deposit",
    "Shared groceries",
    "Book club dues",
    "Wedding gift",
    "Quarterly taxes",
]


def _account(rng: random.Random) -> str:
    return f"{rng.choice(ACCOUNT_PREFIXES)}-{rng.randint(10000, 99999)}"


def _amount(rng: random.Random, low: int, high: int) -> tuple[str, int | float]:
    """An amount as said in the clause and its value: whole, or with cents ("320.50" is 320.5)."""
    if rng.random() < 0.5:
        value = rng.randint(low, high)
        return str(value), value
    cents = rng.randint(low * 100, high * 100)
    return f"{cents / 100:.2f}", round(cents / 100, 2)


def _date(rng: random.Random, start: datetime.date | None = None, days: tuple[int, int] = (0, 700)) -> datetime.date:
    base = start if start is not None else datetime.date(2024, 1, 1)
    return base + datetime.timedelta(days=rng.randint(*days))


def _say_date(day: datetime.date, spoken: bool) -> str:
    """The date spoken ("March 14, 2025") or written as YYYY-MM-DD."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}" if spoken else day.isoformat()


def _quote(rng: random.Random) -> Ask:
    symbols = rng.sample(SYMBOLS, k=rng.choice([1, 1, 2, 2, 3]))
    if len(symbols) == 1:
        clause = rng.choice(
            ["get the latest stock quote for {s}", "tell me the current share price of {s}", "look up {s} stock"]
        )
    else:
        clause = rng.choice(
            ["get the latest stock quotes for {s}", "tell me the current share prices of {s}", "look up {s} stock"]
        )
    text = clause.format(s=join_words(symbols))
    args: dict[str, list] = {"symbols": [symbols]}
    if rng.random() < 0.3:
        text += " including after-hours trading"
        args["include_after_hours"] = [True]
    else:
        args["include_after_hours"] = ["", False]
    return Ask(text, args)


def _convert(rng: random.Random) -> Ask:
    source, target = rng.sample(CURRENCIES, k=2)
    said, amount = _amount(rng, 5, 20000)
    clause = rng.choice(["convert {a} {f} to {t}", "tell me how much {a} {f} is in {t}", "change {a} {f} into {t}"])
    text = clause.format(a=said, f=source, t=target)
    args: dict[str, list] = {"amount": [amount], "from_currency": [source], "to_currency": [target]}
    if rng.random() < 0.35:
        day = _date(rng)
        text += f" at the exchange rate of {_say_date(day, rng.random() < 0.5)}"
        args["rate_date"] = [day.isoformat()]
    return Ask(text, args)


def _transfer(rng: random.Random) -> Ask:
    source = _account(rng)
    target = _account(rng)
    while target == source:
        target = _account(rng)
    said, amount = _amount(rng, 10, 5000)
    currency = rng.choice(["", "", "USD", "EUR", "GBP", "CAD"])
    args: dict[str, list] = {
        "from_account": [source],
        "to_account": [target],
        "amount": [amount],
        "currency": [currency] if currency else ["", "USD"],
    }
    money = f"{said} {currency}" if currency else f"${said}"
    clause = rng.choice(
        [
            "transfer {m} from account {a} to account {b}",
            "move {m} from my account {a} into account {b}",
            "send {m} to account {b} from account {a}",
        ]
    )
    text = clause.format(m=money, a=source, b=target)
    if rng.random() < 0.4:
        memo = rng.choice(MEMOS)
        text += f' with the memo "{memo}"'
        args["memo"] = [memo]
    if rng.random() < 0.35:
        day = _date(rng, datetime.date(2025, 6, 1), (1, 400))
        text += f" on {_say_date(day, rng.random() < 0.5)}"
        args["scheduled_date"] = [day.isoformat()]
    return Ask(text, args)


def _transactions(rng: random.Random) -> Ask:
    account = _account(rng)
    start = _date(rng)
    end = _date(rng, start, (6, 90))
    spoken = rng.random() < 0.5
    kind = rng.choice(["", "", "debit", "credit"])
    category = rng.choice(["", "", *CATEGORIES]) if kind != "credit" else ""
    noun = " ".join(w for w in (category, kind, "transactions") if w)
    clause = rng.choice(
        [
            "list the {n} on account {a} from {s} to {e}",
            "show me the {n} for account {a} between {s} and {e}",
            "pull up {n} on account {a} from {s} through {e}",
        ]
    )
    text = clause.format(n=noun, a=account, s=_say_date(start, spoken), e=_say_date(end, spoken))
    args: dict[str, list] = {
        "account_id": [account],
        "date_range": [{"start_date": [start.isoformat()], "end_date": [end.isoformat()]}],
        "transaction_type": [kind] if kind else ["", "all"],
    }
    if category:
        args["category"] = [category]
    if rng.random() < 0.35:
        said, minimum = _amount(rng, 5, 500)
        text += f" of at least {said}"
        args["min_amount"] = [minimum]
    if rng.random() < 0.3:
        limit = rng.choice([10, 20, 25, 100, 200])
        text += f" and return at most {limit} of them"
        args["limit"] = [limit]
    else:
        args["limit"] = ["", 50]
    return Ask(text, args)


def _loan(rng: random.Random) -> Ask:
    principal = rng.choice([5000, 8000, 12000, 15000, 20000, 25000, 35000, 50000, 75000, 120000, 180000, 250000])
    principal += rng.choice([0, 0, 500, 2500]) if principal >= 10000 else 0
    rate = rng.choice([2.5, 2.75, 3, 3.25, 3.5, 3.875, 4, 4.25, 4.5, 4.99, 5.25, 5.75, 6.1, 6.5, 7, 7.9, 8.25, 9.5])
    years = rng.choice([2, 3, 4, 5, 7, 10, 15, 20, 25, 30])
    frequency = rng.choice(["", "", "monthly", "biweekly", "weekly"])
    payment = f"{frequency} payment" if frequency else "payment"
    clause = rng.choice(
        [
            "calculate the {p} on a {a} loan at {r} percent annual interest over {y} years",
            "work out the {p} for borrowing {a} at an annual rate of {r} percent for {y} years",
            "tell me the {p} on a {y}-year loan of {a} at {r} percent a year",
        ]
    )
    text = clause.format(p=payment, a=principal, r=rate, y=years)
    args: dict[str, list] = {
        "principal": [principal],
        "annual_rate_percent": [rate],
        "years": [years],
        "payment_frequency": [frequency] if frequency else ["", "monthly"],
    }
    if rng.random() < 0.3:
        text += " and include an amortization schedule"
        args["include_amortization"] = [True]
    else:
        args["include_amortization"] = ["", False]
    return Ask(text, args)


ACCOUNT_PARAM = {"type": "string", "description": "Account id, e.g. CHK-20417."}
CURRENCY_PARAM = {"type": "string", "enum": CURRENCIES, "description": "ISO 4217 currency code."}

TOOLS = [
    Tool(
        "get_stock_quote",
        "Get the latest price quotes for one or more stock ticker symbols.",
        {
            "type": "object",
            "properties": {
                "symbols": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ticker symbols, e.g. AAPL.",
                },
                "include_after_hours": {
                    "type": "boolean",
                    "description": "Include after-hours trading prices (default false).",
                },
            },
            "required": ["symbols"],
        },
        _quote,
    ),
    Tool(
        "convert_currency",
        "Convert an amount of money from one currency to another.",
        {
            "type": "object",
            "properties": {
                "amount": {"type": "number", "exclusiveMinimum": 0, "description": "Amount to convert."},
                "from_currency": {**CURRENCY_PARAM, "description": "ISO 4217 code of the source currency."},
                "to_currency": {**CURRENCY_PARAM, "description": "ISO 4217 code of the target currency."},
                "rate_date": {
                    "type": "string",
                    "description": "Use the exchange rate of this day, as YYYY-MM-DD; omit for the latest rate.",
                },
            },
            "required": ["amount", "from_currency", "to_currency"],
        },
        _convert,
    ),
    Tool(
        "transfer_money",
        "Transfer money between two bank accounts.",
        {
            "type": "object",
            "properties": {
                "from_account": {**ACCOUNT_PARAM, "description": "Id of the account to debit, e.g. CHK-20417."},
                "to_account": {**ACCOUNT_PARAM, "description": "Id of the account to credit, e.g. SAV-88210."},
                "amount": {"type": "number", "exclusiveMinimum": 0, "description": "Amount to transfer."},
                "currency": {**CURRENCY_PARAM, "description": "ISO 4217 currency code (default USD)."},
                "memo": {"type": "string", "description": "Note attached to the transfer."},
                "scheduled_date": {
                    "type": "string",
                    "description": "Day to make the transfer, as YYYY-MM-DD; omit to transfer now.",
                },
            },
            "required": ["from_account", "to_account", "amount"],
        },
        _transfer,
    ),
    Tool(
        "list_bank_transactions",
        "List the transactions of a bank account in a date range.",
        {
            "type": "object",
            "properties": {
                "account_id": ACCOUNT_PARAM,
                "date_range": {
                    "type": "object",
                    "description": "Dates to cover, inclusive.",
                    "properties": {
                        "start_date": {"type": "string", "description": "First day, as YYYY-MM-DD."},
                        "end_date": {"type": "string", "description": "Last day, as YYYY-MM-DD."},
                    },
                    "required": ["start_date", "end_date"],
                },
                "transaction_type": {
                    "type": "string",
                    "enum": ["all", "debit", "credit"],
                    "description": "Debits, credits or both (default all).",
                },
                "category": {
                    "type": "string",
                    "enum": CATEGORIES,
                    "description": "Only transactions of this spending category.",
                },
                "min_amount": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Only transactions of at least this amount.",
                },
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 500,
                    "description": "Maximum number of transactions (default 50).",
                },
            },
            "required": ["account_id", "date_range"],
        },
        _transactions,
    ),
    Tool(
        "calculate_loan_payment",
        "Calculate the regular payment of a fixed-rate loan.",
        {
            "type": "object",
            "properties": {
                "principal": {"type": "number", "exclusiveMinimum": 0, "description": "Amount borrowed."},
                "annual_rate_percent": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Annual interest rate in percent, e.g. 5.25 for 5.25%.",
                },
                "years": {"type": "integer", "minimum": 1, "description": "Loan term in years."},
                "payment_frequency": {
                    "type": "string",
                    "enum": ["monthly", "biweekly", "weekly"],
                    "description": "How often payments are made (default monthly).",
                },
                "include_amortization": {
                    "type": "boolean",
                    "description": "Also return the amortization schedule (default false).",
                },
            },
            "required": ["principal", "annual_rate_percent", "years"],
        },
        _loan,
    ),
]

"""The phrasings of one intent (``Spec``), and which intents one message can plausibly combine."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spec:
    """One intent's phrasings.

    ``templates`` are the in-distribution sentences (train and test). ``shifted`` are the same intent in
    styles train never shows. ``asks`` are imperative fragments ("cancel order {order}") that follow
    "Can you" or "Please"; ``says`` are first-person statements ("I want to cancel order {order}"), both
    without final punctuation; the multi-intent compositions join them. ``extras`` are slot pools of this
    intent only.
    """

    label: str
    templates: tuple[str, ...]
    shifted: tuple[str, ...]
    asks: tuple[str, ...]
    says: tuple[str, ...]
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)


# Pairs of intents that no plausible single message asks for at once.
INCOMPATIBLE = (
    ("cancel_order", "change_order"),
    ("cancel_subscription", "change_subscription_plan"),
    ("check_refund_status", "request_refund"),
)
# Closing an account goes with winding things up or complaining, not with changing its settings.
CLOSE_ACCOUNT_PARTNERS = (
    "cancel_order", "cancel_subscription", "check_gift_card_balance", "check_refund_status", "dispute_charge",
    "report_damaged_item", "report_missing_package", "report_wrong_item", "request_invoice", "request_refund",
    "reset_password", "return_item", "speak_to_agent", "track_order", "update_payment_method",
)  # fmt: skip


def compatible(a: str, b: str) -> bool:
    """Whether one customer message can plausibly ask for both intents."""
    if a == b or (a, b) in INCOMPATIBLE or (b, a) in INCOMPATIBLE:
        return False
    if "close_account" in (a, b):
        return (b if a == "close_account" else a) in CLOSE_ACCOUNT_PARTNERS
    return True

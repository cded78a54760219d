"""The label set of the built-in intent data: support requests to Lumora, a fictional online electronics shop.

``INTENTS`` maps each in-scope label to the one-sentence definition that generative models see in their
prompt; the definitions name the neighbouring intent wherever two are easy to confuse (a parcel still on
its way vs one marked delivered that never came, an item damaged on arrival vs one that failed later,
asking for a refund vs asking where an approved one is). ``OUT_OF_SCOPE`` is the label of everything a
Lumora support assistant cannot handle; it is not a key of ``INTENTS``.
"""

from __future__ import annotations

from harness.metrics.classification import OOS

COMPANY = "Lumora"
COMPANY_DESCRIPTION = (
    "Lumora is a UK online shop for consumer electronics: customer accounts, orders, home delivery, returns, "
    "card payments, gift cards and a paid Lumora Plus membership (free delivery and longer returns)."
)

INTENTS: dict[str, str] = {
    "track_order": (
        "Asks where a Lumora order is, whether it has shipped or when it will arrive, while it is still on its "
        "way (an order marked delivered that never came is report_missing_package)."
    ),
    "cancel_order": (
        "Wants a whole Lumora order called off before it is delivered (swapping or removing single items is "
        "change_order; sending back a delivered item is return_item)."
    ),
    "change_order": (
        "Wants to change what is in an order that has not shipped yet: a different model, colour or version, "
        "another quantity, or an item added or removed (not the delivery address, not cancelling it all)."
    ),
    "change_delivery_address": (
        "Wants an order delivered to a different address, or the default delivery address on the account "
        "changed (the email or phone number on the account is update_account_details)."
    ),
    "report_missing_package": (
        "Says an order is marked as delivered but never reached them, or that the courier lost the parcel."
    ),
    "report_damaged_item": (
        "Says an item arrived broken, cracked, dented or otherwise damaged in delivery (a fault that appears "
        "after the item had been working is warranty_claim)."
    ),
    "report_wrong_item": (
        "Says the parcel contained a different product, model or colour from the one that was ordered."
    ),
    "return_item": (
        "Wants to send back an item they no longer want, or asks how returns work: the return window, a "
        "return label or where to drop a return off."
    ),
    "request_refund": (
        "Asks for their money back for an order or an item (asking when an already approved refund will "
        "arrive is check_refund_status)."
    ),
    "check_refund_status": (
        "Asks when or whether a refund that was already promised, approved or issued will reach them."
    ),
    "warranty_claim": (
        "Says a product that worked at first has since developed a fault, and asks for a repair, a "
        "replacement or warranty cover."
    ),
    "reset_password": (
        "Cannot sign in because the password is forgotten or rejected, or wants a password reset link or a "
        "new password."
    ),
    "update_account_details": (
        "Wants to change the name, email address or phone number on their Lumora account (not the delivery "
        "address and not the payment card)."
    ),
    "close_account": "Wants their Lumora account closed or deleted permanently, together with their personal data.",
    "update_payment_method": (
        "Wants to add, replace or remove a card or other payment method saved on the account (a payment that "
        "just failed at checkout is payment_declined)."
    ),
    "payment_declined": "Says a payment failed or their card was declined while they were trying to pay for an order.",
    "dispute_charge": (
        "Reports a charge from Lumora they do not recognise, a duplicate charge, or being billed more than the "
        "order total."
    ),
    "promo_code_issue": (
        "Cannot apply a discount or promo code, or says the discount of a code they used was not taken off."
    ),
    "cancel_subscription": "Wants to end their Lumora Plus membership or stop it from renewing.",
    "change_subscription_plan": (
        "Wants to keep Lumora Plus but switch plan: monthly or annual billing, or the individual, student or "
        "family tier."
    ),
    "check_gift_card_balance": "Asks how much money is left on a Lumora gift card.",
    "request_invoice": "Asks for an invoice, a VAT invoice, a receipt or another proof of purchase for an order.",
    "request_price_adjustment": (
        "Says something they bought from Lumora has since dropped in price at Lumora, and asks for the difference back."
    ),
    "speak_to_agent": "Asks to talk to a human agent or a real person, by phone, by chat or through a call back.",
    "shipping_options": (
        "Asks, before or while ordering, which delivery options, speeds, costs or destinations Lumora offers."
    ),
}

OUT_OF_SCOPE = OOS
OUT_OF_SCOPE_DEFINITION = (
    "Anything else: general knowledge, chit-chat, other companies' products and services, product advice or "
    "how-to help for devices, and requests no intent above covers."
)

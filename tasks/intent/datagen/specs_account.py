"""Intent phrasings (a template table): the account and payments, from passwords to promo codes."""

from __future__ import annotations

from harness.tasks.intent.datagen.spec import Spec

ACCOUNT_SPECS: tuple[Spec, ...] = (
    Spec(
        "reset_password",
        (
            "I forgot my password. How do I reset it on {device}?",
            "I can't log in to my account on {device} {since}. It says my password is wrong.",
            "Can you send a password reset link to {email}?",
            "The password reset email never arrived at {email}. Can you send it again?",
            "I've been locked out of my account {since} after too many password attempts.",
            "How do I change my password on {device}?",
            "My password isn't working on {device}. Can you help me get back in?",
            "I need to reset the password for the account under {email}.",
            "I keep getting 'incorrect password' when I sign in on {device}.",
            "I don't remember my password, and the reset link you sent to {email} has expired.",
            "Please help me reset my password. I've been trying {since}.",
            "The reset link you sent to {email} doesn't work.",
            "I can't sign in {since} because my password keeps getting rejected.",
        ),
        (
            "pw reset",
            "forgot pw, {email}",
            "i forgt my pasword and cant get in to my acount",
            "I've been trying to get into my account {since} to check on something, and I've tried my usual "
            "password, my old one, my old one with an exclamation mark, my dog's name, everything, and now it's "
            "telling me to wait before trying again. The email on the account is {email}.",
            "Tried every password I've ever used on {device} and none of them get me in.",
            "I am unable to authenticate to my customer account and request that my credentials be reset.",
            "locked out again smh, need a new password",
            "password not accepted - {email} - reset link?",
        ),
        (
            "send a password reset link to {email}",
            "help me reset my password",
            "get me back into my account, because my password isn't being accepted on {device}",
        ),
        (
            "I can't log in because I've forgotten my password",
            "the password reset email never arrived at {email}",
            "I've been locked out of my account {since}",
        ),
    ),
    Spec(
        "update_account_details",
        (
            "How do I change the email address on my account to {email}?",
            "Please update my phone number to {phone}.",
            "I got married and need to change my name on the account to {name}.",
            "Can you change my account email to {email}?",
            "My phone number has changed to {phone}. How do I update it?",
            "I need to update the contact details on my Lumora account. My new number is {phone}.",
            "My name is spelled wrong on my account. It should be {name}.",
            "Where do I edit my personal details on {device}?",
            "Please replace the email on my account with {email}.",
            "I no longer use my old email. Can I switch my login email to {email}?",
            "Can you update the mobile number on my profile? The new one is {phone}.",
            "The name on my account should be {name}, not my old one.",
        ),
        (
            "new email: {email}",
            "update phone {phone}",
            "how do i chnage the emial on my acount to {email}",
            "I left my old job a while ago and I've only just realised that my Lumora account is still "
            "registered to my work email, which I obviously can't get into anymore, so none of your emails "
            "have been reaching me. Could everything go to {email} from now on?",
            "All your emails are going to an inbox I haven't been able to open since I left my old job.",
            "Kindly amend the registered contact telephone number on my customer profile to {phone}.",
            "got a new number, {phone}, sort my account out pls",
            "acct name -> {name}",
        ),
        (
            "change my account email to {email}",
            "update my phone number to {phone}",
            "change the name on my account to {name}",
        ),
        (
            "I need the email on my account changed to {email}",
            "my phone number has changed to {phone}",
            "the name on my account should be {name}",
        ),
    ),
    Spec(
        "close_account",
        (
            "{reason}, so I'd like to close my Lumora account.",
            "Please delete my account. {reason}.",
            "How do I close my account? {reason}.",
            "Can you permanently delete the account registered to {email}?",
            "I want my account and all my personal data erased. {reason}.",
            "What do I need to do to close my account for good? {reason}.",
            "Please close the account under {email}.",
            "Is there a way to delete my account on {device}?",
            "{reason}. Please close my account and remove my details.",
            "Could you shut down my Lumora account? {reason}.",
            "I'd like to close my account once order {order} has arrived.",
            "I want to delete my account with the email {email}. {reason}.",
        ),
        (
            "delete account",
            "close acct {email}",
            "pls delet my acount, dont want it anymore",
            "I've been having a bit of a clear-out of my digital life lately, unsubscribing from newsletters, "
            "deleting old apps, that kind of thing, and I'm afraid Lumora is on the list, so I'd like the "
            "account under {email} gone completely, along with everything you hold about me.",
            "I'm done with online shopping for a while and I don't want my details sitting on your servers.",
            "Pursuant to my right to erasure, I request that you delete my customer account and all associated "
            "personal data.",
            "yeet my account, i'm out",
            "account {email} - remove permanently",
        ),
        (
            "close my account",
            "delete my Lumora account and all my data",
            "close the account registered to {email}",
        ),
        (
            "I want to close my Lumora account",
            "I'd like my account deleted",
            "I want the account under {email} closed",
        ),
        {
            "reason": (
                "I'm moving abroad",
                "I don't shop online much anymore",
                "I opened this account by mistake",
                "I have a second account that I use instead",
                "I'd rather not keep my details online",
                "I only needed it for one order",
                "I'm cutting down on online accounts",
                "I'm not happy with the service",
            ),
        },
    ),
    Spec(
        "update_payment_method",
        (
            "How do I update the card on my account on {device}?",
            "I got a new card. Can I replace my {card}?",
            "Please remove my {card} from my account.",
            "I want to add a new debit card to my account on {device}.",
            "My card expired {when}. How do I add the new one?",
            "Can I change the default payment method on my account to my {card}?",
            "I'd like to save a different card for future orders instead of my {card}.",
            "Where do I edit my saved cards on {device}?",
            "Please replace my {card} with my new card.",
            "My bank sent me a replacement {card_kind}. How do I update it on my Lumora account?",
            "Can you help me change the card my Plus membership is charged to?",
            "I need to update my billing card before my next order. The old {card} has expired.",
        ),
        (
            "new card",
            "update card, old {card} expired",
            "how do i updat my card detials, got a new one",
            "My wallet got nicked on the bus {when}, so the bank cancelled everything and sent me new cards, "
            "which is fine, except now I've got to go round every single website updating my details, and yours "
            "is next on the list. The old one was my {card}.",
            "My {card} got cancelled when my wallet was stolen, so it's no good on my account anymore.",
            "Please be advised that the payment card held on file ({card}) is no longer valid; I wish to "
            "register a replacement.",
            "swap my card on file, old one's dead",
            "saved card -> new {card_kind}",
        ),
        (
            "update the card on my account",
            "replace my {card} with my new card",
            "remove my {card} from my account",
        ),
        (
            "I need to update the card on file",
            "my {card} has expired and I want to add a new one",
            "I'd like to add a new card to my account",
        ),
    ),
    Spec(
        "payment_declined",
        (
            "My card keeps getting declined at checkout on {device}.",
            "Why was my payment for {a_product} declined? My bank says everything is fine.",
            "I tried to buy {a_product}, but the payment failed.",
            "Checkout keeps saying 'payment unsuccessful' when I pay for the {product}.",
            "My {card} was declined when I tried to pay.",
            "I can't complete my order for the {product} because the payment won't go through.",
            "The payment failed three times for the {product}. What's going on?",
            "Why does my {card} get rejected when I try to place an order?",
            "I'm trying to pay {amount} and it keeps failing.",
            "The app says my {card} was declined, but I have money in my account.",
            "Every time I try to check out on {device}, I get a payment error.",
            "My payment of {amount} for the {product} was declined. Can you help?",
        ),
        (
            "card declined??",
            "payment failed again. {card}",
            "my paymnet keeps getting declind, whats wrong",
            "I've been sat here for twenty minutes trying to buy {a_product} before the sale ends, and I've "
            "typed my card details in so many times I know them off by heart now, and every single time it "
            "just spins and then says no, and my bank app shows nothing wrong at all.",
            "I've got the {product} in my basket and I've tried to pay three times now. Same red error each time.",
            "Attempts to settle a purchase of {amount} using my {card} have been repeatedly refused by your "
            "payment system.",
            "why ur checkout hating on my card fr",
            "checkout error - {amount} - {card_kind} rejected",
        ),
        (
            "find out why my card keeps getting declined",
            "help me get my payment for the {product} to go through",
            "check why my {card} was declined at checkout",
        ),
        (
            "my card keeps getting declined at checkout",
            "my payment for the {product} failed",
            "my {card} was declined when I tried to pay {amount}",
        ),
    ),
    Spec(
        "dispute_charge",
        (
            "There's a charge of {amount} from Lumora on my statement that I don't recognise.",
            "I was charged twice for order {order}.",
            "You charged me {amount}, but my order total was less than that.",
            "Why did you take {amount} from my card? I didn't order anything.",
            "I see two identical payments for order {order}. Please fix this.",
            "I've been charged for an order I never placed.",
            "There's an unexpected charge of {amount} on my {card}.",
            "My card was billed {amount} twice {when}.",
            "I want to dispute a charge of {amount} from Lumora.",
            "Order {order} cost less than what was taken from my account.",
            "Can you explain a {amount} charge I don't recognise?",
            "I was charged {amount} {when}, but I haven't bought anything from you in months.",
        ),
        (
            "double charged {order}",
            "unknown charge {amount}??",
            "theres a chrage on my card i dont recognize, {amount}",
            "I was going through my bank statement last night, which I do once a month with a cup of tea, and "
            "there's Lumora, {amount}, {when}, and I sat there racking my brains but I honestly haven't bought "
            "anything from you since the spring, so what is it?",
            "My bank app shows Lumora twice for the same {amount} {when}.",
            "I wish to query a debit of {amount} applied to my account by Lumora, which I did not authorise.",
            "why y'all take {amount} off my card twice",
            "statement: LUMORA {amount} - not me",
        ),
        (
            "look into a {amount} charge I don't recognise",
            "fix the double charge on order {order}",
            "explain the {amount} you took from my {card}",
        ),
        (
            "I was charged twice for order {order}",
            "there's a {amount} charge from Lumora that I don't recognise",
            "I was billed {amount} for an order I never placed",
        ),
    ),
    Spec(
        "promo_code_issue",
        (
            "My promo code {code} isn't working.",
            "The discount code {code} says it's invalid.",
            "Where do I enter a discount code at checkout on {device}?",
            "I used {code}, but the discount wasn't applied to my order.",
            "Why won't the code {code} work on the {product}?",
            "I forgot to apply my promo code {code} to order {order}. Can you add it?",
            "The {percent} off code from your email doesn't work.",
            "My order total didn't change after I entered {code}.",
            "Can I still use the code {code}? It says it has expired.",
            "I was charged full price for the {product} even though I used a discount code.",
            "How do I apply a voucher code on {device}?",
            "The {percent} discount wasn't taken off order {order}, even though I entered {code}.",
        ),
        (
            "code {code} not working",
            "promo {code} invalid?",
            "ur discount cod {code} dosnt work",
            "So I signed up to your newsletter specifically for the {percent} off, which, fine, and I got the "
            "email with {code} in it, and I've now typed it in about six times, in capitals and not in capitals, "
            "and the total for the {product} hasn't budged a penny.",
            "Typed {code} in exactly like the newsletter says and my basket total hasn't moved a penny.",
            "The promotional code {code} advertised in your recent communication is being rejected at the point "
            "of sale.",
            "code {code} ain't doing nothing lol",
            "{percent} code - not applied - {order}",
        ),
        (
            "apply the code {code} to order {order}",
            "fix the promo code {code}, which says it's invalid",
            "get my {percent} discount applied to order {order}",
        ),
        (
            "my promo code {code} isn't working",
            "the {percent} discount wasn't applied to order {order}",
            "the code {code} keeps getting rejected at checkout",
        ),
    ),
)

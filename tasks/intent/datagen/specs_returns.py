"""Intent phrasings (a template table): damaged or wrong items, returns, refunds and warranty claims."""

from __future__ import annotations

from harness.tasks.intent.datagen.spec import Spec

RETURN_SPECS: tuple[Spec, ...] = (
    Spec(
        "report_damaged_item",
        (
            "My {product} arrived {damage}.",
            "The {product} from order {order} was damaged when it got here.",
            "The box was crushed and the {product} inside is {damage}.",
            "I just opened my parcel and the {product} is {damage}.",
            "Order {order} came today, but the item inside is damaged. What should I do?",
            "My {product} was delivered {when} and it was {damage} straight out of the box.",
            "I want to report a damaged item in order {order}.",
            "The {product} I received has a big crack in the casing.",
            "The courier must have dropped my parcel, because the {product} arrived {damage}.",
            "My new {product} arrived {damage}. Can you send a replacement?",
            "There's visible damage on the {product} I got from you {when}.",
            "The {product} in order {order} arrived with a {damage} corner and a torn box.",
        ),
        (
            "{product} arrived smashed. order {order}",
            "damaged item, {order}, have pics",
            "my {product} came brokn, the box was al crushed",
            "I was so excited for this, I'd been saving up for the {product} for months, and the delivery "
            "driver basically threw the box over the gate, and when I opened it the whole thing was {damage}, "
            "which I really wasn't in the mood for after the week I've had. Order {order}.",
            "Opened the box from order {order} and heard a rattle. There's glass all over the packaging.",
            "I regret to inform you that the {product} supplied under order {order} was received in a damaged "
            "condition.",
            "bro my {product} showed up totally wrecked",
            "{product} - {damage} on arrival - replacement?",
        ),
        (
            "send a replacement for the {product} that arrived {damage}",
            "sort out the damaged {product} from order {order}",
            "deal with the {product} that arrived {damage}",
        ),
        (
            "my {product} arrived {damage}",
            "the {product} from order {order} was damaged in delivery",
            "the {product} I got {when} came out of the box {damage}",
        ),
    ),
    Spec(
        "report_wrong_item",
        (
            "I received the wrong item in order {order}.",
            "I ordered {a_product} but you sent me {a_product2}.",
            "The {product} I got is the wrong colour. I ordered {colour}, not {colour2}.",
            "Order {order} was for {a_product}, but something else came in the box.",
            "I got {a_product2} in my parcel, but I ordered {a_product}.",
            "The box had someone else's order in it. Mine was order {order}.",
            "The model I received isn't the one I ordered. It's order {order}.",
            "You sent me the wrong product for order {order}. What do I do?",
            "My {product} came in {colour2}, but I clearly picked {colour}.",
            "This isn't the {product} I ordered. It's a completely different model.",
            "I was sent {a_product2} instead of the {product} I paid for.",
            "The item in order {order} doesn't match what's on my order confirmation.",
        ),
        (
            "wrong item order {order}",
            "got {a_product2}, ordered {a_product}??",
            "u sent me the wrong thing, i orderd {a_product} not this",
            "So my daughter and I were unboxing what was meant to be her birthday present, {a_product}, and we "
            "peel back the tape and there's {a_product2} sitting in there instead, and she's looking at me like "
            "I've completely lost the plot. Order {order}, for what it's worth.",
            "There's {a_product2} in my box from order {order}. I've never ordered one in my life.",
            "The goods delivered under order {order} do not correspond to the item specified at the time of purchase.",
            "lmao ordered {a_product} and got {a_product2}??",
            "{colour2} {product} arrived, ordered {colour}",
        ),
        (
            "sort out the wrong item you sent in order {order}",
            "send me the {product} I actually ordered instead of the {product2} I got",
            "swap the {colour2} {product} you sent for the {colour} one I ordered",
        ),
        (
            "I got the wrong item in order {order}",
            "I ordered {a_product} but received {a_product2}",
            "the {product} you sent me is {colour2} when I ordered {colour}",
        ),
    ),
    Spec(
        "return_item",
        (
            "How do I return the {product} I bought {when}?",
            "I'd like to return an item from order {order}.",
            "Can I get a return label for my {product}?",
            "What's your return policy for {product_plural}?",
            "The {product} isn't really for me, so I want to send it back.",
            "Can I still return something I bought {when}?",
            "I need to send back the {product} from order {order}. How does it work?",
            "Where can I drop off a return in {city}?",
            "I want to return the {product}. It's still unopened.",
            "How many days do I have to return the {product}?",
            "I bought {a_product} as a gift and they already have one. How do I return it?",
            "Please send me a return label for order {order}.",
            "Can I return the {product} even though I've opened the box?",
        ),
        (
            "return label {order}",
            "how return {product}",
            "how do i retrun the {product}, dont want it",
            "My husband and I went back and forth about the {product} for weeks, and in the end I went ahead "
            "and ordered it {when}, and now that it's actually sitting in the living room we both agree it "
            "really isn't for us, so how do I get it back to you? It's order {order}.",
            "The {product} is way too big for my desk, honestly. It's still in the box with all the plastic on.",
            "I should like to avail myself of your returns policy in respect of the {product} purchased under "
            "order {order}.",
            "tryna send this {product} back, how",
            "returns - {product} - {order} - label?",
        ),
        (
            "send me a return label for the {product}",
            "set up a return for the {product} from order {order}",
            "tell me how to send back the {product} I bought {when}",
        ),
        (
            "I want to return the {product} from order {order}",
            "I need to send back the {product} I bought {when}",
            "I'd like a return label for the {product}",
        ),
        {
            "product_plural": (
                "laptops",
                "headphones",
                "opened items",
                "sale items",
                "phones",
                "gifts",
                "smart home devices",
                "TVs",
            ),
        },
    ),
    Spec(
        "request_refund",
        (
            "I want a refund for order {order}.",
            "Can I get my money back for the {product}?",
            "I'm not happy with the {product} and I want my money back.",
            "Please refund me {amount} for order {order}.",
            "The {product} isn't what I expected. I'd like a full refund.",
            "How do I request a refund for order {order}?",
            "I want my money back for order {order}, not a replacement.",
            "Can you refund the {amount} I paid for the {product}?",
            "I'd rather have a refund than store credit for order {order}.",
            "My order {order} arrived too late to be any use. Can I get a refund?",
            "I cancelled order {order}. Please refund the {amount} to my card.",
            "The {product} was a waste of {amount}. I'd like a refund, please.",
        ),
        (
            "refund?? order {order}",
            "refund {amount} pls",
            "i want a refnd for my {product}, its not what i expcted",
            "I've given the {product} a proper go, I really have, I've used it every day for a week and "
            "watched all the setup videos and read the manual cover to cover, and it just isn't what was "
            "promised on the product page, so at this point I'd just like the {amount} back, please. Order "
            "{order}.",
            "I don't want another {product}. I just want the {amount} I paid back on my card.",
            "I formally request reimbursement of the sum of {amount} paid in respect of order {order}.",
            "just give me my money back for the {product} fr",
            "money back - order {order} - {amount}",
        ),
        (
            "refund the {amount} I paid for order {order}",
            "give me my money back for the {product}",
            "process a refund for order {order}",
        ),
        (
            "I want a refund for the {product}",
            "I'd like my {amount} back for order {order}",
            "I want my money back for order {order}",
        ),
    ),
    Spec(
        "check_refund_status",
        (
            "When will I get my refund for order {order}?",
            "I returned the {product} {when}. Where's my refund?",
            "You said my refund was processed, but I haven't seen the money yet.",
            "How long do refunds take to show up on my card? I was told mine for order {order} was approved.",
            "Has my refund of {amount} been issued yet?",
            "It's been {days} days since you received my return and I still haven't been refunded.",
            "Can you check the status of my refund for the {product}?",
            "My refund for order {order} still isn't in my account.",
            "I got an email saying my refund was approved. When will the {amount} arrive?",
            "Is there any update on the refund for my cancelled order {order}?",
            "Why hasn't my refund for the {product} come through yet?",
            "You confirmed a refund of {amount} {when}. Has it been sent to my bank?",
        ),
        (
            "refund status {order}",
            "where's my refund. {amount}. {days} days",
            "stil waitng on my refund for ordr {order}, wheres the money",
            "I sent the {product} back {when}, got the email saying you'd received it, got another one saying "
            "the refund had been approved, and since then I've been checking my banking app every morning like "
            "it's a hobby, and there is still no sign of the {amount}. Order {order}.",
            "The {amount} for the {product} I sent back still isn't showing on my statement.",
            "I write to enquire as to the progress of the reimbursement of {amount} confirmed for order {order}.",
            "yo where's my refund at, been {days} days",
            "refund approved {when}, not received??",
        ),
        (
            "check on the refund for order {order}",
            "find out when my {amount} refund will arrive",
            "tell me where the refund for the {product} I sent back is",
        ),
        (
            "I'm still waiting for the refund on order {order}",
            "my refund of {amount} for the {product} hasn't arrived yet",
            "you approved a refund for order {order} {when} but I haven't received it",
        ),
    ),
    Spec(
        "warranty_claim",
        (
            "My {product} stopped working after {age}. Is it under warranty?",
            "I bought {a_product} {age} ago and now it {fault}.",
            "How do I make a warranty claim for my {product}?",
            "My {product} worked fine at first, but now it {fault}.",
            "The {product} I bought from you has developed a fault. Can you repair or replace it?",
            "Is my {product} still covered by the warranty? It {fault}.",
            "After {age} of normal use, the {product} from order {order} {fault}.",
            "My {product} is {age} old and has stopped working. What are my warranty options?",
            "I'd like to claim on the warranty for my {product}. It {fault}.",
            "Can you replace my {product}? It developed a fault {age} after I bought it.",
            "My {product} {fault} now. I've only had it {age}.",
            "Does the two-year warranty cover my {product}? It {fault}.",
        ),
        (
            "{product} dead after {age}. warranty?",
            "warranty claim {order}",
            "my {product} {fault} now, is it stil under waranty??",
            "I've had the {product} for about {age} now and, I'll be honest, I've been really careful with it, "
            "it lives in its case and nobody else touches it, but over the last week or so it's started acting "
            "up and now it {fault}, and I'd like to know what you can do about it. Order {order}.",
            "Bought the {product} {age} ago, babied it, and now it {fault}. Not what I expect for the money.",
            "I wish to lodge a claim under the manufacturer's warranty for a {product} (order {order}) which has "
            "developed a defect.",
            "my {product} just died outta nowhere, only had it {age}, u guys cover that?",
            "faulty {product} - {age} old - repair or replace",
        ),
        (
            "start a warranty claim for my {product}",
            "repair or replace my {product}, which {fault}",
            "check if my {product} is still under warranty, because it {fault}",
        ),
        (
            "my {product} {fault} after {age} and should still be under warranty",
            "I need a warranty repair for the {product} from order {order}",
            "the {product} I bought {age} ago has developed a fault",
        ),
    ),
)

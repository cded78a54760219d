"""Intent phrasings (a template table): Plus membership, gift cards, invoices, price drops, agents, shipping."""

from __future__ import annotations

from harness.tasks.intent.datagen.spec import Spec

SERVICE_SPECS: tuple[Spec, ...] = (
    Spec(
        "cancel_subscription",
        (
            "I want to cancel my Lumora Plus membership {renewal}.",
            "How do I stop my Plus subscription from renewing? {reason}.",
            "Please cancel my {plan} Plus membership {renewal}.",
            "{reason}. Please cancel my Plus subscription {renewal}.",
            "Can you turn off auto-renew on my {plan} Lumora Plus plan?",
            "I'd like to end my {plan} Plus membership. {reason}.",
            "How do I unsubscribe from Lumora Plus on {device}?",
            "Please don't take another Plus payment from my {card}. I want to cancel my membership.",
            "I signed up for the Plus free trial {when}. How do I cancel it before I'm charged?",
            "Cancel my Plus membership, please. {reason}.",
            "Where's the option to cancel Lumora Plus on {device}?",
            "I want to end my Plus membership {renewal}. {reason}.",
            "Please stop my {plan} Plus plan from renewing. {reason}.",
            "My Plus membership renews {renews}, and I don't want it to. Please cancel it.",
        ),
        (
            "cancel plus",
            "stop plus renewal",
            "how do i cancle my plus membrship",
            "When I signed up for Plus it made sense, because I was ordering something nearly every week while "
            "we were doing up the house, but that's all finished now and I can't remember the last time I "
            "bought anything, so I'd rather not keep paying for it every month.",
            "I haven't ordered anything in months, so paying for Plus every month makes no sense anymore.",
            "Please accept this message as notice of termination of my Lumora Plus membership, effective at the "
            "end of the current billing period.",
            "done with plus, kill the subscription",
            "plus membership - end - no renewal",
        ),
        (
            "cancel my Lumora Plus membership",
            "turn off auto-renew on my Plus subscription",
            "stop my Plus membership from renewing",
        ),
        (
            "I want to cancel my Plus membership",
            "I don't want my Plus subscription to renew",
            "I'd like to end my {plan} Plus membership",
        ),
        {
            "reason": (
                "I don't order often enough to make it worth it",
                "I'm trying to save money",
                "I barely use the free delivery",
                "I'm moving abroad",
                "I signed up by accident",
                "I'm cutting back on subscriptions",
                "I found I wasn't using my membership",
            ),
            "renewal": (
                "before it renews on the 1st",
                "before my next payment",
                "before the renewal date",
                "at the end of this month",
                "before I'm charged again",
                "from next month",
            ),
            "renews": ("tomorrow", "on Friday", "next week", "on the 1st", "at the end of the month", "in three days"),
        },
    ),
    Spec(
        "change_subscription_plan",
        (
            "Can I switch my Plus membership from {plan} to {plan2} {timing}?",
            "I'd like to change to the {plan2} Plus plan {timing}.",
            "How do I change my Lumora Plus plan on {device}?",
            "Please move me to the {plan2} plan when my current {plan} plan ends.",
            "I want to downgrade my Plus membership to something cheaper {timing}.",
            "Can I add my partner and kids to my Plus membership {timing}?",
            "What would I pay on the {plan2} Plus plan instead of my {plan} one? I'd like to switch.",
            "I'm a student now. Can I switch my Plus to the student plan {timing}?",
            "Please change my Plus plan from {plan} to {plan2} {timing}.",
            "I want to keep Plus but pay yearly instead of monthly {timing}.",
            "Is it possible to switch from the {plan} plan to the {plan2} one without losing my Plus benefits?",
            "I'm on the {plan} Plus plan. How do I switch to {plan2}?",
            "My Plus plan renews {renews}. Can it renew as {plan2} instead of {plan}?",
        ),
        (
            "plus: {plan} to {plan2} pls",
            "switch plus plan",
            "can i swich my plus plan to {plan2}, dont wanna cancel",
            "I've been on the {plan} Plus plan since I joined and it's been great, honestly no complaints, "
            "but my situation has changed a bit since then and the {plan2} one would suit me much better now, "
            "as long as I don't lose the free delivery or anything in the changeover.",
            "Paying for Plus every single month adds up. Is there a way to pay once for the year and keep everything?",
            "I would like to request a change of my Lumora Plus membership tier from {plan} to {plan2}, "
            "effective at renewal.",
            "lemme get the {plan2} plus plan instead",
            "plus {plan} -> {plan2}",
        ),
        (
            "switch my Plus plan from {plan} to {plan2}",
            "move my Plus membership to the {plan2} plan",
            "change my Plus plan to {plan2}",
        ),
        (
            "I want to change my Plus membership to the {plan2} plan",
            "I'd like my Plus plan switched from {plan} to {plan2}",
            "I want to move from the {plan} Plus plan to the {plan2} one",
        ),
        {
            "timing": (
                "from next month",
                "at my next renewal",
                "straight away",
                "when my current plan ends",
                "from the 1st",
            ),
            "renews": ("tomorrow", "on Friday", "next week", "on the 1st", "at the end of the month", "in three days"),
        },
    ),
    Spec(
        "check_gift_card_balance",
        (
            "How much is left on my gift card ending in {last4}?",
            "Can you check the balance on gift card {gcode}?",
            "I got a Lumora gift card for {occasion}. How do I see the balance?",
            "What's the remaining balance on my gift card? It ends in {last4}.",
            "Is there still money on the gift card ending {last4}?",
            "Where can I check my gift card balance on {device}?",
            "I used part of my gift card on the {product}. How much is left?",
            "How much credit does my gift card {gcode} have?",
            "Can I check a gift card balance without making a purchase?",
            "My gift card was worth {gift_value}. How much do I have left after my last order?",
            "Please tell me the balance of gift card {gcode}.",
            "I was given a gift card for {occasion} and spent some of it on {a_product}. What's left on it?",
        ),
        (
            "gift card balance {last4}",
            "balance? giftcard {gcode}",
            "how much is lft on my gift crd",
            "My aunt, who is lovely but doesn't really trust online shopping, gave me a Lumora gift card for "
            "{occasion}, and I've bought a couple of bits with it since, {a_product} and some cables, and I "
            "genuinely have no idea what's still on it now. The number is {gcode}.",
            "Got a Lumora gift card for {occasion} and I've bought two things with it since. No idea what's "
            "still on it.",
            "Kindly confirm the outstanding value of gift card number {gcode}.",
            "how much bread left on my gift card lol",
            "giftcard {last4} - remaining?",
        ),
        (
            "check the balance on gift card {gcode}",
            "tell me how much is left on my gift card",
            "check what's left on the gift card ending in {last4}",
        ),
        (
            "I'd like to know the balance on gift card ending {last4}",
            "I want to check how much is left on my gift card",
            "I need the remaining balance on gift card {gcode}",
        ),
        {"occasion": ("my birthday", "Christmas", "my graduation", "my leaving do", "my anniversary", "Easter")},
    ),
    Spec(
        "request_invoice",
        (
            "Can I get an invoice for order {order}?",
            "I need a VAT invoice for the {product} I bought {when}.",
            "Please email me a receipt for order {order}.",
            "Where can I download the invoice for order {order}?",
            "I need an itemised receipt for the {product} for my expense report.",
            "Can you send the invoice for order {order} to {email}?",
            "My company needs an invoice with our business name on it for order {order}.",
            "I lost the receipt for my {product}. Can you send another copy?",
            "How do I get a printed invoice for my purchase {when}?",
            "Please send me a copy of the invoice for the {amount} order.",
            "I need proof of purchase for the {product}. Can you email me the receipt?",
            "Could I have a VAT receipt for order {order}? I'm claiming it as a business expense.",
        ),
        (
            "invoice {order}",
            "receipt pls {order} to {email}",
            "need a invoce for my ordr {order} for work",
            "I'm self-employed and my accountant has been on at me for weeks to get all my receipts together "
            "before the deadline, and of course the one I can't find anywhere is for the {product} I got from "
            "you {when}, so could you dig out a proper VAT invoice for it? Order {order}.",
            "Accounts won't reimburse me for the {product} until I show them something official from you.",
            "Please furnish a VAT invoice in respect of order {order} for our accounting records.",
            "need the receipt for my {product} for taxes n stuff",
            "VAT inv. - order {order} - company name on it",
        ),
        (
            "send me an invoice for order {order}",
            "email the receipt for my {product} to {email}",
            "send me a VAT invoice for order {order}",
        ),
        (
            "I need a VAT invoice for order {order}",
            "I need a receipt for the {product} for my expenses",
            "I'd like a copy of the invoice for order {order}",
        ),
    ),
    Spec(
        "request_price_adjustment",
        (
            "I bought the {product} {when} and now it's on sale. Can I get the difference back?",
            "The price of my {product} dropped by {saving} after I ordered it. Can you refund the difference?",
            "Do you offer price adjustments if something I bought goes on sale? My {product} is now cheaper.",
            "The {product} in order {order} is now {saving} cheaper on your site. Can you refund the difference?",
            "I paid full price for the {product} and it was reduced a few days later. Can you match the new price?",
            "Can you honour the sale price for the {product} I bought {when}?",
            "The {product} I ordered {when} is now on offer. I'd like the price difference back.",
            "Is there a price protection policy? My {product} went down by {saving}.",
            "I just saw the {product} I bought is {percent} off now. Can I get that discount too?",
            "Since I ordered {when}, the {product} has dropped in price. Can you adjust what I paid?",
            "Please credit me the {saving} difference now that the {product} is cheaper.",
            "Order {order} cost me {saving} more than the same {product} costs today. Can you refund the gap?",
        ),
        (
            "price drop {product}, order {order}",
            "price dropped {saving}, order {order}, diff back?",
            "the {product} i baught is cheeper now, can i get the diffrence",
            "I'm not normally one to complain about this sort of thing, and I know prices go up and down, but I "
            "bought the {product} {when} for the full price, and I've just opened your app and it's sitting "
            "there at {percent} off, which stings a bit, so is there anything you can do for me? Order {order}.",
            "Bit annoying to see that the exact {product} I paid full whack for {when} is now {percent} off.",
            "Having noted a reduction of {saving} in the listed price of the {product} since my purchase, I "
            "request an adjustment to the price paid.",
            "bruh the {product} went on sale right after i bought it, hook me up with the difference",
            "{product} - paid full price - now {percent} off",
        ),
        (
            "refund the difference now that the {product} is on sale",
            "adjust the price of order {order} to the new sale price",
            "give me back the {saving} the {product} dropped by",
        ),
        (
            "the {product} I bought {when} is now {saving} cheaper and I want the difference back",
            "my {product} went on sale right after I ordered it and I'd like the difference back",
            "the {product} in order {order} has dropped by {percent} since I bought it",
        ),
    ),
    Spec(
        "speak_to_agent",
        (
            "Can I speak to a real person about {topic}?",
            "I want to talk to a human agent about {topic}, please.",
            "How do I contact customer service by phone about {topic}?",
            "Please connect me to a live agent {channel}.",
            "Is there a phone number I can call to speak to someone about {topic}?",
            "I'd rather talk to a person than a bot. It's about {topic}.",
            "Can you transfer me to a human? {frustration}.",
            "Can I talk to someone {channel} about {topic}?",
            "I need to talk to someone at Lumora about order {order}.",
            "Get me a customer service representative, please. It's about {topic}.",
            "Is there a way to talk to an actual person {channel}?",
            "{frustration}. Can I talk to a human?",
            "Can someone from your support team call me back on {phone}?",
            "{frustration}. Please put me through to a real person.",
        ),
        (
            "agent",
            "human pls",
            "can i talk to a reel person pleese",
            "I've now explained the situation with {topic} three times, to three different chat windows, and "
            "every time I get a link to the same help page that doesn't answer my question, so I'd really "
            "appreciate it if somebody with an actual pulse could pick this up, because I'm losing the will.",
            "Are you a bot? Because I've explained this three times and I need someone who can actually make a "
            "decision.",
            "I would appreciate the opportunity to discuss this matter directly with a member of your customer "
            "service staff.",
            "bro just get me a real human",
            "call back {phone} - human - re {topic}",
        ),
        (
            "connect me to a human agent",
            "have someone from support call me on {phone}",
            "put me through to a real person about {topic}",
        ),
        (
            "I'd like to speak to a real person about {topic}",
            "I want to talk to a human agent",
            "I'd like someone from support to call me back on {phone}",
        ),
        {
            "topic": (
                "a billing problem",
                "a delivery issue",
                "a complaint",
                "my account",
                "a return",
                "a faulty product",
                "my last order",
                "my Plus membership",
                "a refund",
            ),
            "channel": ("by phone", "on live chat", "over the phone", "through the chat"),
            "frustration": (
                "The chatbot keeps going round in circles",
                "I've already tried the help pages",
                "This is the third time I've asked",
                "Your automated answers aren't helping",
                "My problem is too complicated for a bot",
                "I've been on this chat for half an hour",
            ),
        },
    ),
    Spec(
        "shipping_options",
        (
            "What delivery options do you offer to {city}?",
            "How much does express delivery cost?",
            "Do you ship to {country}?",
            "If I order {a_product} today, can it arrive {deadline}?",
            "Is there free delivery on orders over {threshold}?",
            "How long does standard delivery take to {city}?",
            "Do you offer next-day delivery on the {product}?",
            "Can I choose a delivery time slot before I order?",
            "What are the shipping costs to {country}?",
            "Do you deliver on weekends in {city}?",
            "Do you offer delivery to parcel lockers?",
            "I'm thinking of ordering the {product}. Which delivery options are there for it?",
            "What's the cheapest way to get {a_product} delivered to {city}?",
        ),
        (
            "ship to {country}?",
            "next day delivery cost?",
            "do u delivr to {country}, how much is shiping",
            "I'm trying to sort out a present for my dad, who lives out in the middle of nowhere near {city} "
            "and never answers the door, so before I go ahead and order the {product}, what kind of delivery "
            "can you actually do out there, and how quickly?",
            "It's my dad's birthday on {day} and I haven't bought anything yet. Would the {product} even get to "
            "{city} in time?",
            "Could you please outline the available delivery services, with associated charges and lead times, "
            "for consignments to {country}?",
            "y'all do next day or nah",
            "delivery to {country} - cost + time?",
        ),
        (
            "tell me if you ship to {country}",
            "let me know how much express delivery costs",
            "tell me how long standard delivery takes to {city}",
        ),
        (
            "I'd like to know if you deliver to {country}",
            "I want to know how fast standard delivery is to {city}",
            "I'd like to know whether next-day delivery is available for the {product}",
        ),
    ),
)

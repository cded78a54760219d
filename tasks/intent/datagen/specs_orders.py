"""Intent phrasings (a template table): orders and delivery, from tracking an order to a lost parcel."""

from __future__ import annotations

from harness.tasks.intent.datagen.spec import Spec

ORDER_SPECS: tuple[Spec, ...] = (
    Spec(
        "track_order",
        (
            "Where is my order {order}?",
            "Can you tell me where order #{order} is?",
            "I ordered {a_product} {when} and it still hasn't arrived. Where is it?",
            "When will my {product} be delivered?",
            "Could you check the delivery status of order {order}?",
            "What's the tracking number for order {order}?",
            "Has my order {order} shipped yet?",
            "I'd like an update on my order for {a_product}.",
            "How long until order {order} gets here?",
            "Is my {product} still on its way? The order number is {order}.",
            "I placed order {order} {when}. When should I expect it?",
            "Where can I track the {product} I ordered {when}?",
            "My order {order} says it's in transit. When will it arrive?",
            "Has the {product} I ordered {when} left the warehouse yet?",
        ),
        (
            "order {order} status??",
            "wheres {order}",
            "wher is my oder {order}?? its been ages and nothng",
            "So I ordered {a_product} {when} for my nephew's birthday, which is coming up really soon, and I keep "
            "refreshing the app every hour but honestly I can't work out where the thing actually is right now or "
            "when it's going to turn up, so if you can see where it's got to that would be amazing. Order {order}.",
            "Still waiting on order {order}. The app has said 'in transit' for {transit_days} days straight.",
            "Dear Sir or Madam, I would be grateful if you could advise on the current whereabouts and expected "
            "delivery date of order no. {order}.",
            "yo where's my {product} at?? been waiting forever lol",
            "tracking no. for {order} pls",
        ),
        (
            "tell me where order {order} is",
            "check when my {product} will arrive",
            "give me the tracking number for order {order}",
            "find out whether order {order} has shipped yet",
        ),
        (
            "I'd like to know where order {order} is",
            "I'm still waiting for the {product} I ordered {when} and want to know when it will arrive",
            "I need an update on where order {order} is",
        ),
        {"transit_days": ("5", "6", "7", "8", "9")},
    ),
    Spec(
        "cancel_order",
        (
            "I want to cancel order {order}.",
            "Please cancel my order for the {product}.",
            "Can I still cancel order #{order}?",
            "I ordered {a_product} {when} by mistake. Can you cancel it?",
            "How do I cancel an order I placed {when}?",
            "I changed my mind about the {product}. Please cancel the order.",
            "Could you cancel order {order} before it ships?",
            "I'd like to cancel the whole of order {order}.",
            "Is it too late to cancel my order for the {product}?",
            "I no longer need the {product} I ordered {when}. Please cancel the order.",
            "Can you stop order {order}? I don't want it anymore.",
            "I placed the same order twice by accident. Please cancel order {order}.",
            "I found the {product} somewhere else, so please cancel order {order}.",
        ),
        (
            "cancel {order}",
            "cancel order pls {order} asap",
            "i need to cancle my oder {order} pleese",
            "Okay, long story, but I ordered {a_product} {when} because I was sure my old one had died, and then "
            "my partner fixed the old one with a paperclip of all things, so now I really don't need a second one "
            "and I'd rather the whole thing just didn't happen. It's order {order}.",
            "Turns out my brother already bought me the exact same {product}, so I won't be needing order {order} "
            "after all.",
            "I hereby request the cancellation of order number {order}, placed {when}, prior to its dispatch.",
            "nah scrap that {product} order, don't want it no more",
            "order {order} - made it by accident, kill it",
        ),
        (
            "cancel order {order}",
            "cancel my order for the {product}",
            "stop order {order} before it ships",
        ),
        (
            "I want to cancel order {order}",
            "I ordered {a_product} by mistake and need that order cancelled",
            "I'd like order {order} cancelled before it ships",
        ),
    ),
    Spec(
        "change_order",
        (
            "Can I change the {product} in order {order} to {variant}?",
            "I need to change the quantity on order {order} to {qty}.",
            "I'd like to add another item to order {order} before it ships.",
            "Is it possible to edit my order after I've placed it? It's order {order}.",
            "I meant to order {variant} of the {product}. Can you update order {order}?",
            "Could you change order {order} so it has {qty} of the {product} instead of one?",
            "Please remove the {accessory_plain} from order {order} but keep the rest.",
            "How do I modify an order that hasn't shipped yet?",
            "Can you swap the {product} in order {order} for {variant}? Everything else can stay the same.",
            "I forgot to add {accessory} to order {order}. Can you add it?",
            "I picked the wrong colour for my {product}. Can you change it to {colour} before it ships?",
            "I want to change the {product} in my order to {variant} before it ships.",
            "I chose the wrong version of the {product} in order {order}. I meant to pick {variant}.",
        ),
        (
            "order {order}: swap to {variant}?",
            "edit order {order} - qty {qty}",
            "can i chnage the colr on my order {order}, want {colour} insted",
            "I was up late last night ordering things and I think I picked completely the wrong option for the "
            "{product}, because I only noticed this morning when I was reading the confirmation email over coffee, "
            "so if it hasn't left yet could it be {variant} instead? It's order {order}.",
            "Just realised order {order} has one {product} in it, but the office needs {qty}.",
            "Kindly amend order {order} so that the {product} is replaced with {variant} prior to dispatch.",
            "ugh picked the wrong one lol, can u make my {product} {variant} instead",
            "add {accessory} to {order}?",
        ),
        (
            "change the {product} in order {order} to {variant}",
            "add {accessory} to order {order}",
            "change the quantity on order {order} to {qty}",
        ),
        (
            "I need to swap the {product} in order {order} for {variant}",
            "I forgot to add {accessory} to order {order} and want it added",
            "I'd like to change the {product} in my order to {variant}",
        ),
        {"accessory_plain": ("charger", "carrying case", "screen protector", "spare cable", "wall mount")},
    ),
    Spec(
        "change_delivery_address",
        (
            "I need to change the delivery address for order {order}.",
            "Can you send order {order} to {street}, {city} instead?",
            "I've moved to {city}. How do I update my delivery address?",
            "Please deliver my {product} to my work address instead. It's {street}, {city}.",
            "I entered the wrong address for order {order}. Can I fix it?",
            "Can I change where my {product} is being delivered?",
            "How do I update the default delivery address on my account? I've just moved to {city}.",
            "Please change the shipping address on order {order} to {street}, {city}.",
            "I won't be home this week, so can order {order} go to {street} instead?",
            "My address has changed to {street}, {city}. Can you update it for future deliveries?",
            "Is it possible to redirect order {order} to a different address?",
            "I made a typo in the street name on order {order}. It should be {street}.",
            "The postcode on order {order} is wrong. Can I correct the address before it's sent?",
        ),
        (
            "new addr for {order}: {street}, {city}",
            "address change order {order}",
            "plz chang the adress on my ordr to {street} {city}",
            "We've just moved house, there are boxes everywhere, and I completely forgot that my Lumora account "
            "still has the old flat on it, and now I've got {a_product} heading to a place I don't live in "
            "anymore. The new place is {street} in {city}, and the order is {order}.",
            "I don't live at the address on order {order} anymore. I'm at {street}, {city} now.",
            "Please be advised that my address has changed; kindly ensure that order {order} is dispatched to "
            "{street}, {city}.",
            "moved lol, ship my stuff to {street} now pls",
            "{order} -> send to {street}, {city}",
        ),
        (
            "send order {order} to {street}, {city} instead",
            "update my delivery address to {street}, {city}",
            "change the shipping address on order {order} to {street}",
        ),
        (
            "I need order {order} delivered to {street} instead of my old address",
            "I've moved to {city} and need my delivery address updated",
            "the address on order {order} is wrong and should be {street}, {city}",
        ),
    ),
    Spec(
        "report_missing_package",
        (
            "My order {order} says delivered, but I never got it.",
            "Tracking shows my {product} was delivered {when}, but there's nothing here.",
            "The parcel for order {order} was marked as delivered, but it's not at my door.",
            "The courier says my package for order {order} was lost in transit. What happens now?",
            "My neighbours don't have it and it's not in my porch. Order {order} says delivered.",
            "I got a delivery confirmation for the {product}, but it never arrived.",
            "Order {order} shows as delivered, but I've checked everywhere and can't find it.",
            "The courier says they left my parcel with a neighbour, but none of them have it. It's order {order}.",
            "My package was supposedly delivered {when}, but I didn't receive anything.",
            "Someone must have taken my parcel. The {product} from order {order} shows as delivered but isn't here.",
            "I was told the courier lost my {product}. What do I do?",
            "The delivery photo for order {order} shows a door that isn't mine.",
            "I've been home all day and the {product} was marked delivered, but nobody came.",
        ),
        (
            "{order} delivered?? not here",
            "marked delivered, never came. {order}",
            "my pakage says deliverd but i dont have it, ordr {order}",
            "I've honestly spent the last hour walking up and down my street knocking on doors like a lunatic, "
            "because the app swears my {product} was delivered at lunchtime, but nobody has it, the bins are "
            "empty, it's not behind the plant pot, nothing. Order {order}.",
            "The app says order {order} was handed over at my door {when}, but my porch is completely empty.",
            "I wish to report that consignment {order}, recorded as delivered {when}, has not been received at the "
            "stated address.",
            "app says delivered but bruh there's literally nothing at my door",
            "delivered - not received - {product}",
        ),
        (
            "look into order {order}, which says delivered but never came",
            "find out what happened to my {product}, which was marked delivered but never arrived",
            "trace the parcel for order {order}, because it was marked delivered but isn't here",
        ),
        (
            "order {order} says delivered but I never received it",
            "my {product} was marked as delivered {when} but it's not here",
            "the courier says my parcel for order {order} was lost",
        ),
    ),
)

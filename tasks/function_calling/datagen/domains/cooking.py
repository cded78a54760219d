"""Cooking: recipe search, recipe scaling, kitchen unit conversion and the grocery list."""

from __future__ import annotations

import random

from harness.tasks.function_calling.datagen.toolspec import Ask, Tool, join_words

DOMAIN = "cooking"

INGREDIENTS = [
    "chickpeas",
    "spinach",
    "lemon",
    "sweet potato",
    "feta",
    "mushrooms",
    "brown rice",
    "tofu",
    "coconut milk",
    "red lentils",
    "zucchini",
    "eggplant",
    "salmon",
    "chicken thighs",
    "black beans",
    "quinoa",
    "kale",
    "ginger",
    "cauliflower",
    "halloumi",
    "shrimp",
    "butternut squash",
    "leeks",
    "pesto",
]
DIETS = {
    "vegetarian": "vegetarian",
    "vegan": "vegan",
    "gluten_free": "gluten-free",
    "dairy_free": "dairy-free",
    "nut_free": "nut-free",
    "low_carb": "low-carb",
    "halal": "halal",
    "kosher": "kosher",
}
CUISINES = ["Thai", "Mexican", "Italian", "Indian", "Japanese", "Moroccan", "Greek", "Korean", "Peruvian", "Lebanese"]
RECIPES = [
    "lentil soup",
    "banana bread",
    "mushroom risotto",
    "shakshuka",
    "chicken tikka masala",
    "lemon drizzle cake",
    "black bean chili",
    "focaccia",
    "miso ramen",
    "apple crumble",
    "vegetable lasagna",
    "carrot cake",
    "beef stew",
    "pumpkin pie",
    "falafel",
    "paella",
]
VOLUME_UNITS = ["cups", "ml", "tablespoons", "teaspoons"]
QUANTITIES: dict[str, list[float]] = {
    "cups": [0.25, 0.5, 0.75, 1.5, 2, 2.5, 3, 4],
    "ml": [30, 60, 100, 120, 150, 240, 250, 300, 500],
    "tablespoons": [2, 3, 4, 5, 6, 8, 1.5],
    "teaspoons": [0.5, 1.5, 2, 3, 4, 6],
    "grams": [25, 50, 100, 125, 150, 200, 250, 300, 450, 500],
}
CONVERT_INGREDIENTS = ["flour", "sugar", "butter", "honey", "rolled oats", "rice", "cocoa powder", "olive oil", "milk"]
LIST_NAMES = ["Weekend Baking", "Party Supplies", "Meal Prep", "Camping Trip", "Holiday Dinner"]
# item as said, singular alternative (or None), unit (None for a count of whole items), quantities
GROCERIES: list[tuple[str, str | None, str | None, list[float]]] = [
    ("flour", None, "grams", [250, 500, 750]),
    ("flour", None, "kilograms", [1.5, 2]),
    ("sugar", None, "grams", [200, 300, 500]),
    ("rice", None, "kilograms", [1.5, 2, 5]),
    ("milk", None, "liters", [1.5, 2, 3]),
    ("cream", None, "milliliters", [200, 250, 500]),
    ("chickpeas", None, "cans", [2, 3, 4]),
    ("chopped tomatoes", None, "cans", [2, 3]),
    ("coconut milk", None, "cans", [2, 3]),
    ("cilantro", None, "bunches", [2, 3]),
    ("parsley", None, "bunches", [2, 3]),
    ("butter", None, "grams", [250, 500]),
    ("olive oil", None, "bottles", [2]),
    ("spaghetti", None, "packs", [2, 3, 4]),
    ("lemons", "lemon", None, [2, 3, 4, 6]),
    ("eggs", "egg", None, [6, 12, 18]),
    ("onions", "onion", None, [2, 3, 4, 5]),
    ("avocados", "avocado", None, [2, 3, 4]),
    ("limes", "lime", None, [3, 4, 6]),
    ("carrots", "carrot", None, [4, 6, 8]),
    ("bell peppers", "bell pepper", None, [2, 3, 4]),
]
GROCERY_UNITS = ["grams", "kilograms", "milliliters", "liters", "cups", "cans", "bunches", "packs", "bottles", "pieces"]


def _find_recipes(rng: random.Random) -> Ask:
    ingredients = rng.sample(INGREDIENTS, k=rng.randint(1, 4))
    args: dict[str, list] = {"ingredients": [ingredients]}
    adjectives = []
    if rng.random() < 0.5:
        diets = rng.sample(list(DIETS), k=rng.randint(1, 2))
        adjectives.append(join_words([DIETS[d] for d in diets]))
        args["dietary_restrictions"] = [diets]
    if rng.random() < 0.3:
        cuisine = rng.choice(CUISINES)
        adjectives.append(cuisine)
        args["cuisine"] = [cuisine]
    if rng.random() < 0.2:
        count = rng.choice([3, 5, 8, 12])
        adjectives.insert(0, str(count))
        args["max_results"] = [count]
    else:
        args["max_results"] = ["", 10]
    verb = rng.choice(["find", "suggest", "look up"])
    link = rng.choice(["using", "with", "that use"])
    text = " ".join([verb, *adjectives, "recipes", link, join_words(ingredients)])
    if rng.random() < 0.3:
        minutes = rng.choice([15, 20, 25, 30, 40, 45, 60, 90])
        text += rng.choice([f" ready in {minutes} minutes or less", f" that take at most {minutes} minutes to make"])
        args["max_prep_minutes"] = [minutes]
    if rng.random() < 0.2:
        excluded = rng.sample([i for i in INGREDIENTS if i not in ingredients], k=rng.randint(1, 2))
        text += " but without " + join_words(excluded)
        args["exclude_ingredients"] = [excluded]
    return Ask(text, args)


def _scale(rng: random.Random) -> Ask:
    recipe = rng.choice(RECIPES)
    target = rng.randint(2, 24)
    args: dict[str, list] = {"recipe_name": [recipe, f"{recipe} recipe"], "target_servings": [target]}
    if rng.random() < 0.45:
        original = rng.choice([n for n in (2, 4, 6, 8, 12) if n != target])
        text = rng.choice(
            [
                "scale my {r} recipe from {a} to {b} servings",
                "adjust the recipe for {r} so it serves {b} instead of {a}",
            ]
        ).format(r=recipe, a=original, b=target)
        args["original_servings"] = [original]
    else:
        text = rng.choice(["scale the recipe for {r} to {b} servings", "adjust my {r} recipe so it serves {b}"]).format(
            r=recipe, b=target
        )
    if rng.random() < 0.35:
        system = rng.choice(["metric", "us_customary"])
        text += " in metric units" if system == "metric" else " using US cups and ounces"
        args["unit_system"] = [system]
    else:
        args["unit_system"] = ["", "original"]
    return Ask(text, args)


def _convert(rng: random.Random) -> Ask:
    from_unit, to_unit = rng.sample([*VOLUME_UNITS, "grams"], k=2)
    quantity = rng.choice(QUANTITIES[from_unit])
    args: dict[str, list] = {"quantity": [quantity], "from_unit": [from_unit], "to_unit": [to_unit]}
    of = ""
    if "grams" in (from_unit, to_unit) or rng.random() < 0.5:
        ingredient = rng.choice(CONVERT_INGREDIENTS)
        of = f" of {ingredient}"
        args["ingredient"] = [ingredient]
    text = rng.choice(
        ["convert {q} {f}{o} to {t}", "work out how many {t} make {q} {f}{o}", "change {q} {f}{o} into {t}"]
    )
    return Ask(text.format(q=quantity, f=from_unit, o=of, t=to_unit), args)


def _grocery(rng: random.Random) -> Ask:
    picks: list[tuple[str, str | None, str | None, list[float]]] = []
    for entry in rng.sample(GROCERIES, k=rng.randint(1, 3)):
        if entry[0] not in [p[0] for p in picks]:
            picks.append(entry)
    spoken, items = [], []
    for name, singular, unit, quantities in picks:
        quantity = rng.choice(quantities)
        item: dict[str, list] = {"item": [name, singular] if singular else [name], "quantity": [quantity]}
        if unit:
            spoken.append(f"{quantity} {unit} of {name}")
            item["unit"] = [unit]
        else:
            spoken.append(f"{quantity} {name}")
            item["unit"] = ["", "pieces"]
        items.append(item)
    args: dict[str, list] = {"items": [items]}
    if rng.random() < 0.35:
        list_name = rng.choice(LIST_NAMES)
        where = rng.choice([f"to the {list_name} shopping list", f"to my shopping list called {list_name}"])
        args["list_name"] = [list_name, f"{list_name} shopping list"]
    else:
        where = rng.choice(["to my shopping list", "to the grocery list"])
        args["list_name"] = ["", "Groceries"]
    verb = rng.choice(["add", "put"])
    if verb == "put":
        where = where.replace("to ", "on ", 1)
    return Ask(f"{verb} {join_words(spoken)} {where}", args)


TOOLS = [
    Tool(
        "find_recipes",
        "Find recipes that use the given ingredients.",
        {
            "type": "object",
            "properties": {
                "ingredients": {
                    "type": "array",
                    "description": "Ingredients the recipe should use.",
                    "items": {"type": "string"},
                    "minItems": 1,
                },
                "dietary_restrictions": {
                    "type": "array",
                    "description": "Diets every recipe must fit; omit for none.",
                    "items": {"type": "string", "enum": list(DIETS)},
                },
                "cuisine": {"type": "string", "description": "Cuisine, e.g. 'Italian'; omit for any."},
                "max_prep_minutes": {
                    "type": "integer",
                    "minimum": 5,
                    "description": "Longest total preparation time in minutes; omit for any.",
                },
                "exclude_ingredients": {
                    "type": "array",
                    "description": "Ingredients no recipe may contain.",
                    "items": {"type": "string"},
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 50,
                    "description": "Number of recipes to return (default 10).",
                },
            },
            "required": ["ingredients"],
        },
        _find_recipes,
    ),
    Tool(
        "scale_recipe",
        "Rescale a saved recipe's ingredient quantities to a new number of servings.",
        {
            "type": "object",
            "properties": {
                "recipe_name": {"type": "string", "description": "Name of the saved recipe."},
                "target_servings": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "description": "Servings to scale to.",
                },
                "original_servings": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Servings the recipe is written for; omit to use the saved value.",
                },
                "unit_system": {
                    "type": "string",
                    "enum": ["original", "metric", "us_customary"],
                    "description": "Units for the scaled quantities (default original).",
                },
            },
            "required": ["recipe_name", "target_servings"],
        },
        _scale,
    ),
    Tool(
        "convert_cooking_units",
        "Convert a kitchen quantity between volume and weight units.",
        {
            "type": "object",
            "properties": {
                "quantity": {"type": "number", "exclusiveMinimum": 0, "description": "Amount to convert."},
                "from_unit": {"type": "string", "enum": [*VOLUME_UNITS, "grams"], "description": "Unit given."},
                "to_unit": {"type": "string", "enum": [*VOLUME_UNITS, "grams"], "description": "Unit wanted."},
                "ingredient": {
                    "type": "string",
                    "description": "Ingredient measured, e.g. 'flour'; needed between volume and grams, "
                    "otherwise omit unless the user names it.",
                },
            },
            "required": ["quantity", "from_unit", "to_unit"],
        },
        _convert,
    ),
    Tool(
        "add_to_grocery_list",
        "Add ingredients with quantities to a shopping list.",
        {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "description": "Ingredients to add, in the order given.",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "item": {"type": "string", "description": "Ingredient name, e.g. 'flour'."},
                            "quantity": {"type": "number", "exclusiveMinimum": 0, "description": "How much."},
                            "unit": {
                                "type": "string",
                                "enum": GROCERY_UNITS,
                                "description": "Unit of the quantity; omit for a count of whole items.",
                            },
                        },
                        "required": ["item", "quantity"],
                    },
                },
                "list_name": {"type": "string", "description": "Shopping list to add to (default Groceries)."},
            },
            "required": ["items"],
        },
        _grocery,
    ),
]

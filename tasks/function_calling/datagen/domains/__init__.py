"""Tool domains of the function_calling generator: ``ID_DOMAINS`` in train/test, ``OOD_DOMAINS`` only in ood."""

from __future__ import annotations

import importlib
from types import ModuleType

ID_DOMAINS = ("weather", "calendar", "files", "orders", "email", "smart_home", "maps", "finance")
OOD_DOMAINS = ("travel", "health", "media", "cooking")


def load_domain(name: str) -> ModuleType:
    """The module of one domain, with ``DOMAIN`` and ``TOOLS`` (each tool's ``domain`` set)."""
    module = importlib.import_module(f"harness.tasks.function_calling.datagen.domains.{name}")
    for tool in module.TOOLS:
        object.__setattr__(tool, "domain", module.DOMAIN)
    return module


def all_domains() -> list[ModuleType]:
    """Every domain module that exists, ID first."""
    found = []
    for name in (*ID_DOMAINS, *OOD_DOMAINS):
        try:
            found.append(load_domain(name))
        except ModuleNotFoundError:
            continue
    return found

"""``python -m harness.tasks.function_calling.datagen.domains``: check every domain's tools."""

from harness.tasks.function_calling.datagen.domains import all_domains
from harness.tasks.function_calling.datagen.toolspec import check_tools


def main() -> None:
    """Check every domain module and print a summary."""
    failed = False
    for module in all_domains():
        problems = check_tools(module.TOOLS)
        print(f"{module.DOMAIN}: {len(module.TOOLS)} tools, {'ok' if not problems else 'PROBLEMS'}")
        for problem in problems:
            print(f"  - {problem}")
        failed |= bool(problems)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()

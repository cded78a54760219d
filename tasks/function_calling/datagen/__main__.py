"""``python -m harness.tasks.function_calling.datagen [OUT_DIR]``: rewrite the data files (default: data/)."""

import sys

from harness.tasks.function_calling.datagen.generate import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

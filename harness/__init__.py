"""harness: does a small fine-tuned model beat the big API model on your task, and at what cost?"""

__version__ = "0.1.0"

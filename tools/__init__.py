"""Command-line tools: evaluation of the risk detector, the held-out NLU check."""

"""One module per leaderboard page, each with ``render(board)``."""

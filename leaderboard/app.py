"""``streamlit run leaderboard/app.py`` from a checkout (set ``HARNESS_DB``); the app lives in harness.leaderboard."""

from harness.leaderboard.app import main

main()

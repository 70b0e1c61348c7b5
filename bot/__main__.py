"""`python -m bot` runs the commander CLI."""

from bot.cli import main

main()

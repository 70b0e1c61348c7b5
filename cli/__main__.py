"""`python -m cli` runs the commander CLI."""

from cli.main import main

main()

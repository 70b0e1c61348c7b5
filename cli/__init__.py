"""The `commander` command line: one thin module per command group, and the composition root.

main.py builds the Typer app from the groups; each group module (config, sim, db, serve, shell,
agent, dora, drill) has a `register(cli)` and imports what it runs only when it runs.
"""

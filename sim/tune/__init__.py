"""Tune a team policy: search judge settings and bakes for the best trade-offs (Optuna)."""

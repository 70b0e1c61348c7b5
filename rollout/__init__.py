"""The rollout core: config schema, stage machine, judges, windows and rotation (pure)."""

"""Real adapters for the core's ports: deployers, metrics sources and feature flags."""

"""Drills in Slack: a deploy whose world is the simulator, commanded by a trainee."""

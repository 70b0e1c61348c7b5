"""`commander shell`: the real bot against an in-memory Slack Web API, in a terminal."""

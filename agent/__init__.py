"""The host agent (`commander agent`): runs on every production host, never imports Slack or bot/.

host.py watches the desired build in etcd and switches this host to it; build.py fetches a
build into a cold directory, drains, switches and checks readiness.
"""

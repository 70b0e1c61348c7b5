"""What people type: the `/deploy` grammar (deploy.py) and the drill grammar beside it (drill.py).

usage.py holds the usage table and CommandError, words.py what both grammars read (users,
names, moments), commands.py the typed commands they produce.
"""

"""The simulator: rehearse a release against a simulated fleet with the bot's own core.

scenario.py   Scenario (one typed model per TOML file), load_scenario, load_scenarios
library.py    scenario files by name or folder, each checked against the team config
runner.py     run(scenario, config, seed) -> RunResult, deterministic, no wall clock
results.py    RunResult, Decision, Series and the expectation check
rehearsal.py  drives a DeployState through rollout.controller and rollout.acting in SimPy
world.py      the World and Timers ports over the fleet, the meter and SimPy timeouts
people.py     the People port: the simulated commander, the audit trail, detection
fleet.py      hosts, router, push/pull, atomic or not, blue/green or in place, crashes
traffic.py    requests per tick and host (Poisson), errors (Binomial), latency buckets
meter.py      per-window counts -> the judges' Observations; result accounting
faults.py     what each [[faults]] entry does to requests
commander.py  the rehearsal's deploy commander (reaction times, on_hold, stabilization)
crashloop.py  the kubelet's CrashLoopBackOff schedule
latency.py    a lognormal fitted to p50 and p99, as histogram bucket probabilities
"""

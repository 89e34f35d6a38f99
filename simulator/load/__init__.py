"""Segment-shaped load on a real endpoint, with Locust (`spideo-sim load`).

`plan` (what to send, where and how fast, each worker's shard), `feeder` (a process's
next delivery: a due retry, else its shard's next message), `tally` (the account:
outcomes, accepted messageIds' digest, the retry backlog), `conservation` (the account
against the mock's journal) need no Locust. `locustfile` (the users, the shape, the
master/worker hooks), `run` (Locust as a library) and `summary` import Locust, which
patches the standard library for gevent: only a process that runs Locust imports them.

Layer rule: uses `simulator.deliver` (Deliverer, RetryPolicy, Ledger, target) and
`simulator.generate`; nothing below imports it.
"""

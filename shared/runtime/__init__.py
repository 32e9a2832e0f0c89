"""The stream-worker runtime: delivery, reclaim, dead letters, heartbeat, metrics, logging.

Every worker (enrichment, indexing, related) is a FastStream Redis Streams subscriber wired by
`worker.py`; this package holds what FastStream 0.7 leaves to us. Why it sits beside
FastStream's own `AckPolicy` and `min_idle_time` instead of using them (verified on 0.7.8
with Valkey 9.1, ../shared/STACK-NOTES.md):
- `AckPolicy.REJECT_ON_ERROR` (the default) and `NACK_ON_ERROR` leave a failed message pending
  and never redeliver it, not even after a restart; `ACK` and `ACK_FIRST` ack it anyway, so it
  is lost. So handlers run under `delivery.py` (retry what is transient, record the error of
  what is not) and the batch stays pending when it fails.
- Only a subscriber with `min_idle_time=` reclaims, one message per XAUTOCLAIM call, and such
  a subscriber receives no new messages; users report a hot loop on it (ag2ai/faststream
  #2628); `claim_min_idle_time` needs Redis 8.4+ and fails on Valkey 9.1. So `reaper.py`
  sweeps the pending list itself in bounded pages (XPENDING, XCLAIM), with a delivery count
  and a backoff, and dead-letters (`batches.py`, in the format of shared/contracts/wire.py)
  after `max_deliveries`.
- FastStream has no dead-letter queue, and creates groups at `$` (skipping what was published
  before the first consumer): `broker.ensure_groups` creates them from the start, explicitly.
When FastStream grows a bounded reclaim and redelivery that work on the Redis we run, the
reaper and the delivery loop are what to replace; the handlers would not change.
"""

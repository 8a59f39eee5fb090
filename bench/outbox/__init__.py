"""The outbox's end-to-end delay: commit -> a JetStream consumer (`python -m bench.outbox`)."""

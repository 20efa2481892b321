"""Operating hubsync: health and readiness probes, process heartbeats, Prometheus metrics."""

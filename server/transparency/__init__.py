"""Transparency: the log's signing key, signed checkpoints, key reveal, results, receipts and the bundle."""

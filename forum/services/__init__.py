"""Domain operations: plain functions on the session that never commit."""

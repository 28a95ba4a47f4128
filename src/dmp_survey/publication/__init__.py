"""The publication audit: published values, p-value check, audit, reconstruction."""

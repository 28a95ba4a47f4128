"""The study contract: codebook, analysis plan and study folder (loading and validation)."""

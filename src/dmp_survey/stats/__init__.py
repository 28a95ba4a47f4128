"""Statistics on counts: counting, descriptive statistics, comparisons, exact tests."""

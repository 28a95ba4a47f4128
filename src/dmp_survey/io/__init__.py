"""Input and output: reading exports, coding answers, writing files."""

"""What a reader sees: figures, report, annex tables and workbook."""

"""dmp-survey: reproducible analysis of questionnaire surveys, from an export and a study folder."""

__version__ = "0.1.0"

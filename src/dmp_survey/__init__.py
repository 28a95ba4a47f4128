"""dmp-survey: reproducible analysis of the Somme GP survey on the shared health record (DMP)."""

__version__ = "0.1.0"

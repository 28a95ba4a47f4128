"""dmp-survey: reproducible analysis of questionnaire surveys, from an export and a study folder."""

import os as _os

# openpyxl serialises workbooks with lxml when lxml happens to be installed (a
# dependency of python-docx, say) and with the standard library otherwise, and
# the two write different bytes for the same workbook. One writer whatever is
# installed keeps the workbooks byte-identical from run to run; set before any
# module imports openpyxl.
_os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"

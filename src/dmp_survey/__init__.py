"""dmp-survey: reproducible analysis of questionnaire surveys, from an export and a study folder."""

import os as _os

__version__ = "0.1.0"

# openpyxl writes its XML with lxml whenever lxml is installed (python-docx
# requires it), and its bytes then differ from its standard-library writer's
# (a "\r" kept as "&#13;", the XML declaration…): the xlsx outputs and the
# reconstructed export are written by the standard-library writer, so that
# their bytes do not depend on what else is installed. Read when openpyxl is
# first imported, which dmp-survey does only inside the functions that need it.
_os.environ["OPENPYXL_LXML"] = "False"

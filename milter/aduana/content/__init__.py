"""Content inspection: text extraction, lexicons, personal data, markings, bulk mail."""

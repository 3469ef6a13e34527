"""What the desktop app and the central server share, and nothing else: Persian text
normalisation, validators, Jalali dates, errors with Persian messages, the rules every synced
row obeys (rules), the shipped resources and reference data, the certificate payload format
and its verification (signing, key_set). No Qt, no database of either side: both ``app`` and
``server`` import this package; it imports neither."""

"""Daftar (دفتر): the register of Iran's home-business support offices."""

import time

#: ``time.perf_counter()`` when the package was first imported: the earliest moment of a
#: start-up that Python code can see (``DAFTAR_EXIT_AFTER_PAINT`` measures from it).
STARTED = time.perf_counter()

"""Licences and their holders.

- ``service``: :class:`LicenceService`, the one service callers use (issue, edit, renew,
  suspend, reactivate, revoke, history);
- ``records``: the inputs it takes and the frozen records views receive, with labels and
  the status a person sees;
- ``holders``: a holder's details validated;
- ``numbers``: licence numbers (the office's counter or the server's pools), unique IDs;
- ``register``: the register's query;
- ``io``: import and export as a spreadsheet; ``bulk``: bulk writing for imports.
"""

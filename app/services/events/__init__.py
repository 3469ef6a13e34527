"""Workshop events, seasonal bazaars and exhibitions.

- ``service``: :class:`EventService`, the one service callers use (events, registration,
  attendance, the calendar, closure days); its commands on events and closure days;
- ``queries``: its reading half (one event, the list, the month, participants, figures);
- ``registration``: its registration half (participants, the waiting list, attendance);
- ``records``: the inputs it takes and the frozen records views receive, with labels;
- ``calendar``: days, months, official holidays, closure days, off-day marks and warnings;
- ``codes``: event codes (``PREFIX-E-0001``);
- ``fields``: field names and how typed values become values (times, dates);
- ``io``: import and export as a spreadsheet.
"""

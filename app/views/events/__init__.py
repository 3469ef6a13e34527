"""The events screens.

- ``screen``: :class:`EventsScreen`, the calendar and the list, opening event pages;
- ``month_grid``: the painted Jalali month and its navigation;
- ``event_list``: the list with search and filters, and its model;
- ``event_dialog``: the event page (details form, figures, attendance certificates);
- ``participants``: its participants tab (registration, the waiting list);
- ``attendance``: its attendance tab (participants × days);
- ``closure_days``: the office's closure days;
- ``shared``: what they share (translation, Persian numbers, the page's change runner).
"""

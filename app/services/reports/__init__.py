"""Periodic reports (issue 15): monthly, quarterly (فصل) and yearly Jalali reports of the
office's register — licences by field group, top fields, county and gender against the
previous period and the same period a year earlier; networks; events — as a Persian PDF
(``pdf``: reportlab, the certificates' text pipeline) and an .xlsx (common.reports).

``figures`` runs the aggregates in SQL; ``service`` builds a report for the office's
scope (a province office's has each county's part) and writes it.
"""

"""Bank facility cases (پرونده تسهیلات): a licence holder's or a supporter's loan under a
programme, from the request to the bank's payment, and the bank's repayment reports.

- ``records``: the inputs the service takes and the frozen records the views receive,
  with the Persian labels of stages, guarantees and repayment statuses;
- ``settings``: the office's programme list and each stage's service level (days);
- ``service``: :class:`FacilityService`, validation (the shared rules of
  common.rules / common.facility_rules) and the commands: open, edit, move to a stage;
- ``queries``: the case list with its filters (stage, bank, programme, overdue) and the
  overdue cases of one bank.
"""

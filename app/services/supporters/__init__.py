"""Supporters and their supply-chain networks.

- ``service``: :class:`SupporterService`, the one service callers use; reading one
  supporter and its commands on supporters (validation, create, edit, suspend);
- ``members``: its network half (adding a member, the overridable rules, leaving);
- ``records``: the inputs it takes and the frozen records views receive, with labels and
  the overridable warnings;
- ``queries``: the lists and figures the screens read (the supporter list, the members
  page, coverage by month, the network summary, unused supporter licences);
- ``io``: import and export as a spreadsheet.
"""

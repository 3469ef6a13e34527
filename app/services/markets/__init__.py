"""Market access (دسترسی به بازار, issue 14): the sales channels of licence holders (a shop
on a virtual sales platform, from the office's list of platforms), guaranteed-purchase
contracts (خرید تضمینی) with the deliveries recorded against them, and the spreadsheet
kinds ``channels`` and ``contracts``.

Both records are synced and homed in the seller's county; their rules (amounts, the
period, deliveries inside it and not beyond the quantity without a reason) live in
common.rules so the server enforces them too. Sits above events and supporters (a
network's channels and contracts), below certificates and sync.
"""

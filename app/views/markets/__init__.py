"""The «بازار» tab (market access): sales channels and guaranteed-purchase contracts, their
dialogs, and the part of a supporter's page that shows its network's."""

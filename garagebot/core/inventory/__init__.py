"""Inventory: items, stores, the stock ledger, valuation, parts used on sessions and alerts."""

"""Purchasing: suppliers, purchase orders and their receipts, suggested orders,
supplier bills, payments and statements."""

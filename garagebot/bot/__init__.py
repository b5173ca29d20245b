"""Telegram adapter: updates in, messages out. Imports conversations and core."""

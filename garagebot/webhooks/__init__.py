"""Twilio and Meta WhatsApp adapters and the client-facing pages. Imports conversations and core."""

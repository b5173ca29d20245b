"""Twilio SMS and WhatsApp: signed webhooks in (messages, status callbacks),
the Messages API out. Same file set as every provider folder: api, media,
parse, sender, signature, webhook."""

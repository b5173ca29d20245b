"""Meta WhatsApp Cloud API: the signed webhook in (messages, statuses, the
verification handshake), the /messages API out. Same file set as every
provider folder: api, media, parse, sender, signature, webhook."""

"""Client conversations on WhatsApp and SMS: following the car, deciding the
quote, sending photos, the pick-up PIN, rating, booking by chat, STOP/START.
``engine.ClientEngine`` is what the provider adapters call."""

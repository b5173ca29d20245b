"""garagebot: run an auto repair garage from chat."""

__version__ = "0.1.0"

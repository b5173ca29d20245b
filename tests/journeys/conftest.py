"""The journeys run the CLI in a clean GARAGEBOT_* environment (tests/app)."""

from tests.app.conftest import clean_env

__all__ = ["clean_env"]

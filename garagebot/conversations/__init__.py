"""Channel-independent dialog flows (state machines). Imports core only."""

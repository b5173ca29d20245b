"""Staff web console (aiohttp + Jinja2). Imports core, and conversations for the chat simulator."""

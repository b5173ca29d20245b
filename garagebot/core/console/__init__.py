"""The staff console's sign-in: passwords, one-time links, sessions, lockout.

``passwords`` hashes and judges passwords; ``accounts`` sets them (by a
manager or through an invite link) and sends Telegram sign-in links;
``signin`` signs a browser in (password or link) with lockout and the
per-address limit; ``sessions`` finds, lists and revokes signed-in browsers;
``staff_admin`` changes a member's role, skills, language or activity, which
ends their console sessions when it must.
"""

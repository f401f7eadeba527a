"""The moderators' console, separate from the Django admin.

Every view here needs the ``vouching.moderate`` permission (others get 403) and a session
signed in with a second factor (allauth MFA, TOTP): ``access.moderator_required``. Actions
that can cost members their standing show a preview first — computed on the graph as it
would be after the action — and run only when the moderator confirms exactly what was
previewed: ``confirm.PreviewedAction``.

Where things are: ``forms.py`` (what a moderator fills in), ``selectors.py`` (what the
pages show), ``views/`` (one module per area: reports, members, rings, the log, appeals),
``export.py`` (the log as CSV), ``urls.py``.
"""

"""The dating pages, one module per area: ``home``, ``my_profile`` (a member's own
profile and photos), ``people`` (browsing and others' profiles), ``introductions``,
``matches`` (and their conversations), ``safety`` (blocking and reports),
``notifications`` and ``circle``. The URLs are in ``matchmaking/urls.py`` and
``matchmaking/dating_urls.py``.
"""

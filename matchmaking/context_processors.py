from . import selectors


def navigation(request):
    """Unread counts for the header: two small queries for a signed-in member."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": selectors.unread_notification_count(member=user),
        "unread_messages": selectors.unread_message_count(member=user),
    }

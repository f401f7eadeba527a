from vouching import selectors as vouching_selectors

from . import selectors


def navigation(request):
    """The header of a signed-in member: unread counts (two small queries) and whether
    they moderate (remembered in the cache: ``vouching.selectors.member_is_moderator``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": selectors.unread_notification_count(member=user),
        "unread_messages": selectors.unread_message_count(member=user),
        "may_moderate": vouching_selectors.member_is_moderator(member=user),
    }

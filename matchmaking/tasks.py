"""Background work of the dating side: thin tasks that call services."""

from celery import shared_task


def request_notification_emails() -> None:
    """After a notification commits: ask a worker to email it (named for robust on_commit)."""
    send_notification_emails.delay()


@shared_task(name="matchmaking.send_notification_emails")
def send_notification_emails() -> int:
    from . import services

    sent = 0
    for notification_id in services.notification_emails_pending():
        sent += services.notification_send_email(notification_id=notification_id)
    return sent


@shared_task(name="matchmaking.sweep")
def sweep() -> None:
    """Beat's safety net: email what a broker outage held back."""
    from . import services

    if services.notification_emails_pending():
        send_notification_emails.delay()

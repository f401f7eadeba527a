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


@shared_task(name="matchmaking.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Beat asks for it every few seconds; the health endpoint reads when a worker last
    ran it (``WORKER_HEARTBEAT_STALE_SECONDS``)."""
    from . import services

    services.worker_heartbeat_record(worker=worker_heartbeat.request.hostname or "worker")

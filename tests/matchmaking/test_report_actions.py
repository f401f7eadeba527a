"""Report work in the moderation log: matchmaking's actions, read like vouching's own."""

from django.utils import translation

from matchmaking.models import ReportAction
from vouching.models import ModerationRecord


def action_values() -> list[str]:
    return [value for value, _label in ModerationRecord._meta.get_field("action").choices]


def test_report_actions_are_listed_among_the_log_s_own_where_they_always_were():
    assert action_values() == [
        "revoke_vouch",
        "suspend",
        "ban",
        "reinstate",
        "forfeit",
        "standing_lost",
        "report_claimed",
        "report_released",
        "report_resolved",
        "report_dismissed",
        "appeal_upheld",
        "appeal_rejected",
        "moderator_granted",
        "moderator_removed",
    ]


def test_a_record_of_report_work_shows_its_label_in_the_reader_s_language():
    for action in ReportAction:
        assert ModerationRecord(action=action).get_action_display() == str(action.label)
    record = ModerationRecord(action="report_dismissed")
    assert record.get_action_display() == "Dismissed a report"
    with translation.override("zh-hans"):
        translated = record.get_action_display()
        assert translated == str(ReportAction.REPORT_DISMISSED.label)
    assert translated != "Dismissed a report"


def test_adding_the_same_actions_again_lists_them_once():
    before = action_values()
    ModerationRecord.add_actions(ReportAction, before=ModerationRecord.Action.APPEAL_UPHELD)
    assert action_values() == before

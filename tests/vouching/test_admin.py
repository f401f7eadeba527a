"""The admin shows what only the services write, and never adds, deletes or edits it."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import MemberFactory
from vouching.models import (
    Appeal,
    Invitation,
    ModerationRecord,
    TrustScore,
    TrustState,
    Vouch,
)

pytestmark = pytest.mark.django_db

READ_ONLY = [Vouch, Invitation, TrustState, TrustScore, ModerationRecord, Appeal]


@pytest.fixture
def superuser():
    return MemberFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def request_by(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_the_admin_never_adds_or_deletes_rows_only_services_write(model, request_by):
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request_by)
    assert not model_admin.has_delete_permission(request_by)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_every_field_of_those_rows_is_read_only(model, request_by):
    """Trust scores included: standing and its explanation come only from a recalculation."""
    model_admin = admin.site._registry[model]
    fields = model_admin.get_readonly_fields(request_by)
    hidden = set(model_admin.exclude or ())
    assert list(fields) == [f.name for f in model._meta.fields if f.name not in hidden]


def test_an_invitations_nonce_stays_out_of_the_admin(request_by):
    model_admin = admin.site._registry[Invitation]
    assert "nonce" not in model_admin.get_fields(request_by)


def test_the_moderation_log_is_not_changed_in_the_admin(request_by):
    assert not admin.site._registry[ModerationRecord].has_change_permission(request_by)
    assert admin.site._registry[Vouch].has_change_permission(request_by)


def test_the_log_in_the_admin_reads_report_work_in_words(superuser, with_second_factor):
    ModerationRecord.objects.create(actor=superuser, action="report_claimed", report_id=1)
    client = with_second_factor(superuser)
    page = client.get(reverse("admin:vouching_moderationrecord_changelist")).content.decode()
    assert page.count("Claimed a report") >= 2  # the row, and the filter by action

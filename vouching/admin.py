from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Appeal,
    Invitation,
    Member,
    ModerationRecord,
    TrustScore,
    TrustState,
    Vouch,
)


@admin.register(Member)
class MemberAdmin(UserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "is_founder", "is_active", "date_joined"]
    list_filter = ["is_founder", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["public_id", "date_joined", "last_login", "suspended_until", "banned_at"]
    fieldsets = [
        (None, {"fields": ["email", "password", "display_name", "avatar", "public_id"]}),
        (_("Membership"), {"fields": ["is_founder", "date_joined", "last_login"]}),
        (_("Moderation"), {"fields": ["suspended_until", "banned_at"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})
    ]

    # Granting the moderator role here (the permission, a group that has it, or superuser)
    # is recorded in the moderation log like ``manage.py grant_moderator``, with the
    # admin user as the actor. The state before is kept on the object being saved.
    def save_model(self, request, obj, form, change):
        obj._was_moderator = change and _is_moderator(obj.pk)
        super().save_model(request, obj, form, change)
        if change and {"is_active", "is_founder"} & set(form.changed_data):
            # Who may carry trust or be seen changed: every trust answer cached for
            # the old graph is stale now, not after the hidden list expires.
            services.trust_graph_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        member = form.instance
        was, now = getattr(member, "_was_moderator", False), _is_moderator(member.pk)
        if was != now:
            services.moderation_record_create(
                actor=request.user,
                action=(
                    ModerationRecord.Action.MODERATOR_GRANTED
                    if now
                    else ModerationRecord.Action.MODERATOR_REMOVED
                ),
                member=member,
                note=_("In the admin site"),
            )


def _is_moderator(member_id: int) -> bool:
    granted = Q(codename="moderate", content_type__app_label="vouching")
    return (
        Member.objects.filter(pk=member_id)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=Permission.objects.filter(granted))
            | Q(groups__permissions__in=Permission.objects.filter(granted))
        )
        .exists()
    )


class ReadOnlyAdminMixin:
    """Rows only the services write: the admin shows them, every field read-only (a
    field added to the model later is read-only too), and never adds or deletes one."""

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.exclude or ())
        return [f.name for f in self.model._meta.fields if f.name not in hidden]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vouch)
class VouchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Vouches change only through the services, which keep the trust graph consistent."""

    list_display = ["voucher", "vouchee", "strength", "relationship", "status", "created_at"]
    list_filter = ["status", "strength", "relationship"]
    search_fields = ["voucher__email", "vouchee__email"]
    raw_id_fields = ["voucher", "vouchee", "invitation"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["inviter", "email", "status", "created_at", "expires_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["inviter__email", "email"]
    exclude = ["nonce"]


@admin.register(TrustState)
class TrustStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["generation", "dirty", "computed_generation", "computed_at", "metric"]


@admin.register(TrustScore)
class TrustScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["member", "vouched", "score", "level"]
    list_filter = ["vouched", "level"]
    search_fields = ["member__email"]


@admin.register(ModerationRecord)
class ModerationRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log, to read: nobody adds, changes or deletes a record here."""

    list_display = ["created_at", "actor", "action", "member", "reason"]
    list_filter = ["action", "reason"]
    search_fields = ["member__email", "actor__email", "note"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "member", "record", "status"]
    list_filter = ["status"]

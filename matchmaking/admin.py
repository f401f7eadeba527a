from django.contrib import admin

from .models import Introduction, Match, Profile, Report


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["member", "gender", "city", "is_dating", "paused_at"]
    list_filter = ["gender", "is_dating"]
    search_fields = ["member__email", "member__display_name", "city"]
    raw_id_fields = ["member"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are worked in the moderation console; here they can only be read."""

    list_display = ["created_at", "reporter", "reported", "reason", "status"]
    list_filter = ["status", "reason"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["member_a", "member_b", "source", "created_at", "ended_at"]
    readonly_fields = [f.name for f in Match._meta.fields]


@admin.register(Introduction)
class IntroductionAdmin(admin.ModelAdmin):
    list_display = ["intermediary", "person_a", "person_b", "kind", "status", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in Introduction._meta.fields]

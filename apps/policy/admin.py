from django.contrib import admin

from apps.policy.models import Level, StageRule


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("name", "facility", "in_person_per_month", "video_per_month", "max_visitors")
    list_filter = ("facility",)


@admin.register(StageRule)
class StageRuleAdmin(admin.ModelAdmin):
    list_display = ("facility", "stage", "months", "extra_in_person", "extra_video")

from django.urls import path

from ops import views

urlpatterns = [
    path("", views.backup_page, name="backups"),
    path("progress/", views.backup_progress, name="backups-progress"),
    path("run/", views.backup_now, name="backups-run"),
    path("retention/", views.backup_retention, name="backups-retention"),
    path("<int:pk>/restore/", views.backup_restore, name="backup-page-restore"),
]

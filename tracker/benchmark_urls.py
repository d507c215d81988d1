"""The app's URLs and the floor page: only `manage.py benchmark` uses this urlconf."""

from django.urls import path

from tracker import urls
from tracker.benchmark_pages import floor

urlpatterns = [
    path("benchmark/floor/", floor, name="benchmark-floor"),
    *urls.urlpatterns,
]

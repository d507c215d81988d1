from django.urls import path  # noqa: F401 (each kind of entry adds its pages)

urlpatterns: list = []

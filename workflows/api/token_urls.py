"""The access-token pages (token_views.py)."""
from django.urls import path

from . import token_views

urlpatterns: list = [
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.revoke, name="token_revoke"),
]

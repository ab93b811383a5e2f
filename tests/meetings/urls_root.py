"""The site URLs plus the root calendar addresses, as portal/urls.py mounts them after integration."""

from meetings.urls import root_urlpatterns
from portal.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, *root_urlpatterns]

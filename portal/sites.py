"""Keep the `django.contrib.sites` row in step with settings (allauth's mails read its name and domain).

Runs after every `migrate` (which `make run` and the production web container do on each start), so
"[example.com] Please Confirm Your Email Address" never reaches anyone.
"""

from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc or "localhost"


def sync_site(*, using="default", **kwargs) -> None:
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain()[:100], "name": settings.SITE_NAME[:50]}
    )
    Site.objects.clear_cache()


def sync_site_after_migrate(sender, app_config=None, using="default", plan=None, **kwargs) -> None:
    if app_config is None or app_config.label != "sites":
        return
    sync_site(using=using)

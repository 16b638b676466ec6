from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, seed_demo
from tenants.models import site_url


class Command(BaseCommand):
    help = "Create the demo sections (lille, paris) and logins if they are missing."

    def handle(self, *args, **options) -> None:
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("\nBuddySystem demo is ready. Open:"))
        self.stdout.write(f"  {site_url(settings.BASE_DOMAIN)}/  (public site)")
        for login in logins:
            self.stdout.write(f"  {login.url:<36} log in as {login.email} / {DEMO_PASSWORD}")

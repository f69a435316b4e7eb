"""``govhall demo``: load the sample hall (示例数据) and print its logins.

Safe to run again: on the sample hall it only prints the logins. It refuses
a database that holds any other data.
"""

from django.core.management.base import BaseCommand, CommandError

from govhall.core.errors import DomainError
from govhall.demo.loader import DEMO_PASSWORD, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Load the sample hall (idempotent) and print the demo logins of every role."

    def handle(self, *args, **options):
        already = demo_is_loaded()
        try:
            logins = demo_load()
        except (DomainError, FileNotFoundError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None
        self.stdout.write("示例数据已存在。" if already else "示例数据已载入。")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}） / demo logins (password {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role} · {login.full_name}  {login.where}")

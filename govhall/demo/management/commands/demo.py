"""``govhall demo``: load the sample hall (示例数据) and print its logins.

Safe to run again: on the sample hall it only prints the logins. It refuses
a database that holds any other data. ``--cases N`` sets the size of the
history (default: six months at a district hall's volume).
"""

from django.core.management.base import BaseCommand, CommandError

from govhall.core.errors import DomainError
from govhall.demo.cases import DEFAULT_CASES
from govhall.demo.joint import JOINT_LOGINS
from govhall.demo.loader import DEMO_PASSWORD, LAST_LOAD, demo_is_loaded, demo_load
from govhall.demo.loader import demo_other_staff_count


class Command(BaseCommand):
    help = "Load the sample hall (idempotent) and print the demo logins of every role."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=DEFAULT_CASES,
                            help=f"how many cases of history to make (default {DEFAULT_CASES})")

    def handle(self, *args, cases: int = DEFAULT_CASES, **options):
        if cases < 0:
            raise CommandError("--cases must be 0 or more")
        already = demo_is_loaded()
        try:
            logins = demo_load(cases=cases)
        except (DomainError, FileNotFoundError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None
        if already:
            self.stdout.write("示例数据已存在。")
        else:
            self.stdout.write(f"示例数据已载入：{LAST_LOAD.cases} 件办件。")
            for failure in LAST_LOAD.failures:
                self.stderr.write(f"warning: a sample case stopped early: {failure}")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}） / demo logins (password {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role} · {login.full_name}  {login.where}")
        self.stdout.write(f"  {JOINT_LOGINS}")
        others = demo_other_staff_count()
        if others:
            self.stdout.write(f"  另有各部门、各窗口工作人员 {others} 名（如 minzheng_reviewer、clerk4），密码相同，"
                              "名单见 docs/demo.md / {others} more staff (e.g. minzheng_reviewer), same password, "
                              "listed in docs/demo.md".replace("{others}", str(others)))

"""The demo's staff: one user per role (``fundapp.roles``) with public passwords, and the region
each one works in.

Order: ``load_users`` runs first of all (every later step acts as one of these users);
``place_staff`` runs once the regions exist (``cases.load_regions``) and before the first case
is filed, since a case worker files and a reviewer decides only within their region.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from approvals.models import StaffProfile
from fundapp import roles


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str


# Public on purpose (printed, and in the README): DEBUG only.
DEMO_USERS = [
    DemoUser("officer", "officer-demo", roles.FINANCE_OFFICER, "会计", "王"),
    DemoUser("supervisor", "supervisor-demo", roles.FINANCE_SUPERVISOR, "主管", "李"),
    DemoUser("caseworker", "caseworker-demo", roles.CASE_WORKER, "经办", "张"),
    DemoUser("reviewer", "reviewer-demo", roles.REVIEWER, "审核", "赵"),
    DemoUser("reviewer_town", "reviewer-demo", roles.REVIEWER, "镇审核", "孙"),
    DemoUser("reviewer_village", "reviewer-demo", roles.REVIEWER, "村审核", "周"),
    DemoUser("auditor", "auditor-demo", roles.AUDITOR, "审计", "陈"),
    DemoUser("admin", "admin-demo", roles.ADMINISTRATOR, "管理", "刘"),
    # A second administrator: a role is given only when another administrator approves it.
    DemoUser("admin2", "admin-demo", roles.ADMINISTRATOR, "管理二", "吴"),
]


def load_users() -> tuple[dict[str, object], set[str]]:
    """Create the demo users (or take the ones that already exist) and put each in its role's
    group. Returns the users by username and by role (the first user of each role), and the
    usernames that existed before, whose passwords were left as they were."""
    User = get_user_model()
    users: dict[str, object] = {}
    kept_passwords: set[str] = set()
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is not None:
            # Someone made this user before the demo: keep their password, say so.
            kept_passwords.add(demo.username)
        else:
            # Nobody is a superuser: a superuser passes Django's every permission check, and
            # the administrators configure without holding the business roles (fundapp.grants).
            user = User.objects.create_user(
                username=demo.username,
                is_staff=demo.role == roles.ADMINISTRATOR,
                password=demo.password,
                first_name=demo.first_name,
                last_name=demo.last_name,
                email=f"{demo.username}@demo.invalid",
            )
        user.groups.add(Group.objects.get(name=demo.role))
        users.setdefault(demo.role, user)
        users[demo.username] = user
    return users, kept_passwords


def place_staff(users, regions) -> None:
    """Give each demo user a staff profile in their region (``regions`` from
    ``cases.load_regions``): the case worker and the town reviewer in the township, the village
    reviewer in 东关村, everyone else at the county. A profile that exists is left alone."""
    for username, region in [
        ("caseworker", regions.town),
        ("reviewer_village", regions.east),
        ("reviewer_town", regions.town),
        ("reviewer", regions.county),
        ("officer", regions.county),
        ("supervisor", regions.county),
        ("auditor", regions.county),
        ("admin", regions.county),
        ("admin2", regions.county),
    ]:
        StaffProfile.objects.get_or_create(user=users[username], defaults={"region": region})

"""`tongzhou user create|grant|list`: manage users and their scopes (region + role)."""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tongzhou.accounts.models import Scope
from tongzhou.accounts.roles import Role
from tongzhou.accounts.services import scope_grant, user_create
from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import InvalidInput


class Command(TongzhouCommand):
    help = "管理用户与权限范围 / manage users and their scopes"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--password", help="password (asked for when omitted)")
        create.add_argument("--name", default="", help="full name / 姓名")
        create.add_argument("--role", choices=Role.values)
        create.add_argument("--region", help="region code of the scope / 权限地区代码")
        create.add_argument("--superuser", action="store_true")
        grant = sub.add_parser("grant", help="give a user a role over a region")
        grant.add_argument("username")
        grant.add_argument("--role", required=True, choices=Role.values)
        grant.add_argument("--region", required=True)
        sub.add_parser("list", help="list users and scopes")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, username, password, name, role, region, superuser, **_):
        if bool(role) != bool(region):
            raise InvalidInput("--role 与 --region 须同时给出。", "Give --role and --region together.")
        password = password or getpass.getpass("密码 / password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise InvalidInput(
                "密码不符合要求：" + " ".join(exc.messages), "Password rejected: " + " ".join(exc.messages)
            ) from None
        user = user_create(username=username, password=password, full_name=name, is_superuser=superuser)
        if role:
            scope_grant(user=user, region_code=region, role=role)
        self.stdout.write(self.style.SUCCESS(f"created {username}"))

    def _grant(self, username, role, region, **_):
        user = self.acting_user(username)
        scope_grant(user=user, region_code=region, role=role)
        self.stdout.write(self.style.SUCCESS(f"granted {role} on {region} to {username}"))

    def _list(self, **_):
        for user in get_user_model().objects.order_by("username"):
            scopes = ", ".join(f"{s.role}@{s.region_code}" for s in Scope.objects.filter(user=user))
            flag = " (superuser)" if user.is_superuser else ""
            self.stdout.write(f"{user.username}{flag}\t{scopes}")

"""`tongzhou token create|list|revoke`: personal API tokens from the command line.

The plain token is printed once, when it is created; only its SHA-256 is kept.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tongzhou.accounts.selectors import api_token_list
from tongzhou.accounts.services import api_token_create, api_token_revoke
from tongzhou.core.errors import TongzhouError


class Command(BaseCommand):
    help = "管理个人 API 令牌 / Manage personal API tokens: create, list, revoke."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="创建令牌并显示一次 / Create a token and print it once")
        create.add_argument("--user", required=True, help="用户名 / Username")
        create.add_argument("--name", required=True, help="令牌名称，如用途 / Token name, e.g. its purpose")
        listing = actions.add_parser(
            "list", help="列出令牌（不含明文）/ List tokens (never the token itself)"
        )
        listing.add_argument("--user", required=True, help="用户名 / Username")
        revoke = actions.add_parser("revoke", help="吊销令牌 / Revoke a token")
        revoke.add_argument("--user", required=True, help="用户名 / Username")
        revoke.add_argument(
            "--id", required=True, type=int, dest="token_id", help="令牌编号 / Token id (see list)"
        )

    def handle(self, *args, action: str, user: str, **options) -> None:
        owner = self._user(user)
        try:
            if action == "create":
                token, plain = api_token_create(user=owner, name=options["name"])
                self.stdout.write(
                    f"令牌 #{token.pk} “{token.name}” 已创建 / Token #{token.pk} created. "
                    "只显示这一次 / Shown only this once:"
                )
                self.stdout.write(plain)
            elif action == "list":
                self._list(owner)
            elif action == "revoke":
                api_token_revoke(user=owner, token_id=options["token_id"])
                self.stdout.write(
                    f"令牌 #{options['token_id']} 已吊销 / Token #{options['token_id']} revoked."
                )
        except TongzhouError as exc:
            raise CommandError(exc.message) from exc

    def _user(self, username: str):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"用户 {username} 不存在 / No user {username}.") from None

    def _list(self, owner) -> None:
        tokens = api_token_list(user=owner).order_by("pk")
        if not tokens:
            self.stdout.write("没有令牌 / No tokens.")
            return
        self.stdout.write("id\tname\tprefix\tcreated\tlast_used\tstatus")
        for t in tokens:
            status = "revoked" if t.revoked_at else "active"
            last = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
            self.stdout.write(
                f"{t.pk}\t{t.name}\t{t.prefix}…\t{t.created_at:%Y-%m-%d %H:%M}\t{last}\t{status}"
            )

"""The base of our management commands: one way to name the acting user and to render a TongzhouError.

A command that reads or writes the register acts as a user (`--user`), so the CLI is scoped exactly like the web
and the API. A TongzhouError is printed in the active language (TONGZHOU_LANG or LANG) and exits with status 1.
"""

from __future__ import annotations

import json
import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from .errors import TongzhouError


def cli_language() -> str:
    lang = os.environ.get("TONGZHOU_LANG") or os.environ.get("LANG", "")
    return "en" if lang.lower().startswith("en") else "zh-hans"


class TongzhouCommand(BaseCommand):
    requires_user = False

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.requires_user:
            parser.add_argument("--user", required=True, help="acting user / 操作用户（按其权限范围执行）")
        return parser

    def acting_user(self, username: str):
        User = get_user_model()
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise TongzhouError(
                f"用户 {username} 不存在或已停用。",
                f"The user {username} does not exist or is inactive.",
                code="unknown_user",
            ) from None

    def execute(self, *args, **options):
        with translation.override(cli_language()):
            try:
                return super().execute(*args, **options)
            except TongzhouError as exc:
                self.stderr.write(self.style.ERROR(f"{exc.code}: {exc.message}"))
                if exc.details and options.get("verbosity", 1) > 1:
                    self.stderr.write(json.dumps(exc.details, ensure_ascii=False, indent=2, default=str))
                if getattr(self, "_called_from_command_line", False):
                    sys.exit(1)
                raise CommandError(f"{exc.code}: {exc.message}", returncode=1) from exc

"""The one application error root. Web, API and CLI render a TongzhouError the same way.

Each error carries a stable code, a message in Chinese and in English, and details (e.g. the row and
column of a bad cell). `message` picks the active language.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation


class TongzhouError(Exception):
    code = "error"
    http_status = 400

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        code: str | None = None,
        details: Any = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        self.details = details if details is not None else {}

    @property
    def message(self) -> str:
        lang = (translation.get_language() or "zh-hans").lower()
        return self.message_en if lang.startswith("en") else self.message_zh

    def within(self, zh: str, en: str, **details: Any) -> TongzhouError:
        """The same error (class, code, status) said of a context: both messages prefixed, `details` added."""
        said = type(self).__new__(type(self))  # an exception's copy.copy would call __init__ with its args
        said.__dict__.update(self.__dict__)
        said.message_zh = f"{zh}{self.message_zh}"
        said.message_en = f"{en}{self.message_en}"
        said.details = {
            **(self.details if isinstance(self.details, dict) else {"error": self.details}),
            **details,
        }
        said.args = (said.message_en,)
        return said

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class InvalidInput(TongzhouError):
    code = "invalid"
    http_status = 400


class NotFound(TongzhouError):
    code = "not_found"
    http_status = 404


class ScopeDenied(TongzhouError):
    """The user holds no scope that allows this read or write. Also used for anonymous users."""

    code = "forbidden"
    http_status = 403

    def __init__(self, region_code: str = "", *, write: bool = False) -> None:
        what_zh = "修改" if write else "查看"
        what_en = "change" if write else "see"
        where = f" {region_code}" if region_code else ""
        super().__init__(
            f"您无权{what_zh}该地区{where}的数据。",
            f"You are not allowed to {what_en} data of region{where}.",
            details={"region_code": region_code, "write": write},
        )


class Conflict(TongzhouError):
    code = "conflict"
    http_status = 409


class ImportRejected(TongzhouError):
    """A file failed validation; `details["errors"]` lists row, column, value and reasons. Nothing was written."""

    code = "import_rejected"
    http_status = 422

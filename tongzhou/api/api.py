"""The NinjaAPI of Tongzhou at /api/v1/: routers, authentication, the one error format, offline docs."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from . import coops, me, regions, register
from .auth import session_auth, token_auth
from .docs import OfflineSwagger
from .errors import install_error_handlers

DESCRIPTION = """\
同舟（Tongzhou）农村集体经济平台的接口：地区、农户、家庭成员；合作社、章程、成员、股份与成员交易。

* **认证**：`Authorization: Bearer tz_…`（个人 API 令牌，在网页 /tokens/ 或命令 `tongzhou token create` 创建），
  或已登录的网页会话（写操作须带 `X-CSRFToken`）。未认证返回 401。
* **权限**：默认拒绝。每个用户只能查看、修改其权限范围（地区及下级）内的数据；审计人员只读。
* **遮蔽**：身份证号码和电话按角色遮蔽（村会计、村支书、审计人员、管理员可见全号）。
* **分页**：`?page=1&page_size=50`（最多 500），返回 `{count, page, page_size, results}`。
* **金额**：同时给出元（两位小数的字符串，如 `"1955.00"`）和分（整数，如 `195500`）。
* **错误**：一律为 `{"error": {"code", "message", "details"}}`；message 的语言随 `Accept-Language`（zh / en）。

The API of the Tongzhou rural collective economy platform: regions, households, persons; cooperatives, bylaws,
members, shares and member transactions. Amounts are given both as yuan strings ("1955.00") and integer fen.

* **Auth**: `Authorization: Bearer tz_…` (a personal API token from the web page /tokens/ or
  `tongzhou token create`), or the logged-in web session (writes need `X-CSRFToken`). Unauthenticated → 401.
* **Scopes**: deny by default; a user reads and writes only within their scopes (a region and below); auditors read.
* **Masking**: ID numbers and phones are masked per role (village accountant, secretary, auditor and administrator
  see them in full).
* **Paging**: `?page=1&page_size=50` (500 at most) → `{count, page, page_size, results}`.
* **Errors**: always `{"error": {"code", "message", "details"}}`; the message follows `Accept-Language` (zh / en).
"""


class TongzhouJSONRenderer(JSONRenderer):
    """JSON with Chinese left readable (no \\u escapes)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="同舟 Tongzhou API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[token_auth, session_auth],
    docs=OfflineSwagger(),
    renderer=TongzhouJSONRenderer(),
)
install_error_handlers(api)
api.add_router("", me.router)
api.add_router("", regions.router)
api.add_router("", register.households)
api.add_router("", register.persons)
api.add_router("", coops.router)

from . import ledger_statements  # noqa: E402 - statements of the books and the year close

api.add_router("", ledger_statements.router)

from . import ledger  # noqa: E402 - the books (账簿)

api.add_router("", ledger.router)

from . import distribution  # noqa: E402 - surplus distribution (盈余分配) and household income

api.add_router("", distribution.router)

from . import guarantees  # noqa: E402 - guaranteed payments (保底收益) booked before the surplus and paid

api.add_router("", guarantees.router)

from . import distribution_plan  # noqa: E402 - 分配方案试算 (a plan file, no database)

api.add_router("", distribution_plan.router)

from . import cascade  # noqa: E402 - the benefit chain (利益链) seen from a county, township or village

api.add_router("", cascade.router)

from . import distribution_batch  # noqa: E402 - a region's runs posted or paid at once (村账乡代管)

api.add_router("", distribution_batch.router)

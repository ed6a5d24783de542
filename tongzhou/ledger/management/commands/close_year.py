"""`tongzhou close-year --book ID | --coop ID --year Y --user U`: the year close (年终结账) of one book."""

from __future__ import annotations

from tongzhou.coops.models import Cooperative
from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import NotFound
from tongzhou.ledger.services.books import book_of
from tongzhou.ledger.services.year_close import year_close
from tongzhou.ledger.statements.read import book_get
from tongzhou.regions.scope import require_read


class Command(TongzhouCommand):
    help = "年终结账：损益结转本年盈余（收益），再结转盈余（收益）分配，结账 12 月并标记该年度已结账 / Close a year."
    requires_user = True

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--book", type=int, help="账套 ID / book id")
        which.add_argument("--coop", type=int, help="合作社或集体经济组织 ID / cooperative id")
        parser.add_argument("--year", type=int, required=True, help="年度 / year")

    def handle(self, *args, **options):
        user = self.acting_user(options["user"])
        if options["book"] is not None:
            book = book_get(user=user, book_id=options["book"])
        else:
            cooperative = Cooperative.objects.filter(pk=options["coop"]).first()
            if cooperative is None:
                raise NotFound("找不到该组织。", "No such cooperative.", details={"coop": options["coop"]})
            require_read(user, cooperative.region_code)
            book = book_of(cooperative)
        vouchers = year_close(user=user, book=book, year=options["year"], via="cli")
        for v in vouchers:
            self.stdout.write(f"记-{v.number} {v.date} {v.summary}")
        self.stdout.write(
            self.style.SUCCESS(f"{book.cooperative.name} {options['year']} 年已年结 / year closed")
        )

"""The deferred balance check runs once per voucher at commit, not once per line.

The constraint trigger on lines fires for every line; each firing summed all the voucher's lines, so a voucher of n
lines cost n² row reads at commit (a month's summary voucher of an import has a line per member: hundreds). Now a
firing that finds its voucher already checked at this commit point skips: the check marks the voucher it passed in
a transaction-local setting (`ledger.balanced_voucher`), and every change to a line clears the mark (the BEFORE
trigger on lines), so a voucher changed after its check is checked again. Deferred events fire in the order they
were queued, so a voucher's lines come one after another and one check serves them all.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_voucher_balanced() RETURNS trigger AS $$
DECLARE
    vid bigint;
    vstatus text;
    d bigint;
    c bigint;
    n integer;
BEGIN
    IF TG_TABLE_NAME = 'ledger_voucher' THEN
        vid := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        vid := OLD.voucher_id;
    ELSE
        vid := NEW.voucher_id;
    END IF;
    IF TG_TABLE_NAME = 'ledger_voucherline'
       AND current_setting('ledger.balanced_voucher', true) = vid::text THEN
        RETURN NULL;
    END IF;
    SELECT status INTO vstatus FROM ledger_voucher WHERE id = vid;
    IF vstatus IS DISTINCT FROM 'posted' THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(debit_fen), 0), COALESCE(SUM(credit_fen), 0), COUNT(*)
      INTO d, c, n FROM ledger_voucherline WHERE voucher_id = vid;
    IF n < 2 OR d <> c OR d = 0 THEN
        RAISE EXCEPTION 'ledger: posted voucher % does not balance (debit % fen, credit % fen, % lines)',
            vid, d, c, n USING ERRCODE = '23514';
    END IF;
    PERFORM set_config('ledger.balanced_voucher', vid::text, true);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_posted_line_immutable() RETURNS trigger AS $$
BEGIN
    PERFORM set_config('ledger.balanced_voucher', '', true);
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM ledger_voucher WHERE id = OLD.voucher_id AND status = 'posted'
    ) THEN
        RAISE EXCEPTION 'ledger: a line of posted voucher % cannot be changed or deleted', OLD.voucher_id
            USING ERRCODE = '23001';
    END IF;
    IF TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM ledger_voucher WHERE id = NEW.voucher_id AND status = 'posted'
    ) THEN
        RAISE EXCEPTION 'ledger: no line may be added to posted voucher %', NEW.voucher_id
            USING ERRCODE = '23001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    """Back to 0003's functions (their text is 0003's FORWARD; re-running it redefines them)."""
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("tongzhou.ledger.migrations.0003_postgresql_ledger_triggers")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(previous.BACKWARD)
            cursor.execute(previous.FORWARD)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_postgresql_ledger_triggers")]
    operations = [migrations.RunPython(forward, backward)]

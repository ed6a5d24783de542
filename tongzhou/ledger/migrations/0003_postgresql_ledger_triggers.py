"""On PostgreSQL the database itself keeps the ledger's invariants (ARCHITECTURE.md decision 4):

- a DEFERRABLE INITIALLY DEFERRED constraint trigger refuses, at commit, a posted voucher whose lines don't
  balance (fewer than two lines, debits ≠ credits, or a zero total);
- triggers refuse any UPDATE or DELETE of a posted voucher, and any INSERT, UPDATE or DELETE of a posted
  voucher's lines. Posting is therefore "insert a draft with its lines, then flip its status": bulk loaders that
  write posted vouchers directly do the same (or run with session_replication_role = replica and check after).

Errors use SQLSTATE class 23, so Django raises IntegrityError. SQLite has no deferred triggers; there the model
and queryset guards and the services hold the same rules.
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
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_voucher_balanced_on_voucher
    AFTER INSERT OR UPDATE ON ledger_voucher
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_balanced();

CREATE CONSTRAINT TRIGGER ledger_voucher_balanced_on_line
    AFTER INSERT OR UPDATE OR DELETE ON ledger_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_balanced();

CREATE OR REPLACE FUNCTION ledger_posted_voucher_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'posted' THEN
        RAISE EXCEPTION 'ledger: posted voucher % cannot be changed or deleted', OLD.id
            USING ERRCODE = '23001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_posted_voucher_immutable
    BEFORE UPDATE OR DELETE ON ledger_voucher
    FOR EACH ROW EXECUTE FUNCTION ledger_posted_voucher_immutable();

CREATE OR REPLACE FUNCTION ledger_posted_line_immutable() RETURNS trigger AS $$
BEGIN
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

CREATE TRIGGER ledger_posted_line_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_voucherline
    FOR EACH ROW EXECUTE FUNCTION ledger_posted_line_immutable();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_posted_line_immutable ON ledger_voucherline;
DROP FUNCTION IF EXISTS ledger_posted_line_immutable();
DROP TRIGGER IF EXISTS ledger_posted_voucher_immutable ON ledger_voucher;
DROP FUNCTION IF EXISTS ledger_posted_voucher_immutable();
DROP TRIGGER IF EXISTS ledger_voucher_balanced_on_line ON ledger_voucherline;
DROP TRIGGER IF EXISTS ledger_voucher_balanced_on_voucher ON ledger_voucher;
DROP FUNCTION IF EXISTS ledger_voucher_balanced();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_load_charts")]
    operations = [migrations.RunPython(forward, backward)]

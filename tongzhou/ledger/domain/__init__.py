"""The ledger's rules as pure functions: a voucher's lines, normal-balance arithmetic, the trial balance."""

"""Every write to cooperatives, members, shares and transactions: scoped, validated, audited."""

"""Every read of cooperatives, members, shares and transactions, always given the user and scoped."""

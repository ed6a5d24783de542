"""Pure rules of cooperatives: bylaws, membership, shares and transactions, without the database."""

"""The benefit chain (利益链): surplus distribution per law and bylaws, and the cascade from county to household.

`distribution.domain` holds the pure rules (no database). Runs, vouchers and pages come with the Django app.
"""

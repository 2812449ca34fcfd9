"""Readers of data files: the published NZ price layouts and uploaded auction bids."""

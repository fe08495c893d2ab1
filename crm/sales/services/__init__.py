"""Writes to sales documents: quotes (quotes.py) and orders (orders.py)."""

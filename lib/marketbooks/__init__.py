"""Market Workbooks: electricity-market rules as tested library code behind notebooks."""

__version__ = "0.1.0"

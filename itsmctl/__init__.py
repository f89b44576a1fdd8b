"""itsmctl: an ITIL incident-management desk that lives in a git repository."""

__version__ = "0.1.0"

"""Plumbing: the only code that touches disk, git, sqlite and the network."""

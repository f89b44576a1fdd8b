"""Use cases: typed functions over a Session, no click and no printing."""

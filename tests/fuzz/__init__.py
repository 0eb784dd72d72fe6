"""Fuzz tests, one module per input family; shared strategies in :mod:`fuzz.helpers`."""

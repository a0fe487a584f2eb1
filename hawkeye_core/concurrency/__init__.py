"""Concurrency primitives that plugins use instead of building their own."""

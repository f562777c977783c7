"""Helpers shared by the tests: assertions, phase-state readers and the headless browser."""

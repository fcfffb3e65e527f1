"""Tests of the channel adapters and their webhook routes."""

"""Tests for stream/video."""

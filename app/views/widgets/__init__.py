"""Reusable widgets shared by Daftar's screens."""

"""Instructor tooling behind the `gancourse` command: build, check, data. Imports nothing from models."""

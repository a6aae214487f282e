"""Maintainer tools: derive exercises from solutions, keep pairs in sync, refresh outputs."""

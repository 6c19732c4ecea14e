"""Every read model the workers keep up to date. Read models are added here."""

from __future__ import annotations

from projections.runner import Projection

PROJECTIONS: list[Projection] = []

"""Lecture mode: presentation view, zoom and themes, step-by-step lessons, the packed-time walk."""

from padviz.gui.lecture.controller import Lecture

__all__ = ["Lecture"]

"""The Qt application over the core. Importing it guards against a PySide6 bug first
(gui/refcounts.py)."""

from gui.refcounts import guard_singletons

guard_singletons()

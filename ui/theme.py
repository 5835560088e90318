"""The day and night themes: the night theme is a dark palette for the night shift, remembered."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def night_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    p.setColor(roles.Window, QColor("#1e1f22"))
    p.setColor(roles.WindowText, QColor("#e6e6e6"))
    p.setColor(roles.Base, QColor("#15161a"))
    p.setColor(roles.AlternateBase, QColor("#24262b"))
    p.setColor(roles.ToolTipBase, QColor("#2b2d31"))
    p.setColor(roles.ToolTipText, QColor("#f0f0f0"))
    p.setColor(roles.Text, QColor("#e6e6e6"))
    p.setColor(roles.Button, QColor("#2b2d31"))
    p.setColor(roles.ButtonText, QColor("#e6e6e6"))
    p.setColor(roles.BrightText, QColor("#ff6b6b"))
    p.setColor(roles.Highlight, QColor("#3d6fb4"))
    p.setColor(roles.HighlightedText, QColor("#ffffff"))
    p.setColor(roles.PlaceholderText, QColor("#8a8f98"))
    p.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor("#6b6f76"))
    p.setColor(QPalette.ColorGroup.Disabled, roles.ButtonText, QColor("#6b6f76"))
    return p


def apply_theme(app: QApplication, night: bool) -> None:
    """Fusion style with the night palette, or with the style's own palette by day."""
    app.setStyle("Fusion")
    app.setPalette(night_palette() if night else app.style().standardPalette())

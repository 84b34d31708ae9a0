"""Presentation only: templates, static files and translations."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
I18N = ROOT / "i18n"

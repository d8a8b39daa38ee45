"""Shared test set-up: Qt runs offscreen everywhere."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

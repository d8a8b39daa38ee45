"""The Corpus tab."""

from padviz.gui.corpus.panel import CorpusPanel

__all__ = ["CorpusPanel"]

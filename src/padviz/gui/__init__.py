"""Qt views of padviz. Every number they show comes from padviz.core."""

"""Forms as data and the pure transition that walks them (issue 10)."""

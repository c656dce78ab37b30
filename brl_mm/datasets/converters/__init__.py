"""Data tooling: raw skeleton formats to mmaction skeleton pickles (NTU RGB+D
``.skeleton`` files, NW-UCLA json). Used by ``tools/data/``; not part of
training."""

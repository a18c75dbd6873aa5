"""Scoring: signal names, signal files, company lookup, the taxonomy and the deterministic scorer.

Data in, ScoreCard out; no I/O past loading files. May import only the top-level base
modules (`errors`, `config`, `data_files`, `files`): nothing else in the package.
"""

"""The edition store: every company's scores, edition by edition, and what changed between editions.

Owns the SQLite store (schema and migrations, opening, locking, error translation), writing companies into
editions, the queries (list, show, rank, company), the change view and exports. Imports scoring (to score
and re-score), data_files, errors and files; never llm, drafting or the terminal.
"""

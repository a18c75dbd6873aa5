"""The analyst's loop: `check` an edited draft, `update` it keeping edits, `diff` two drafts.

May import everything below it: `scoring`, `report`, `document`, `drafting`.
"""

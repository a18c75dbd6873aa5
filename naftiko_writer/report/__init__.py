"""The report as data: section kinds and their schemas, the section plan, the drafted report model.

Typed shapes shared by drafting, the document format and review. Pure; may import `scoring`.
"""

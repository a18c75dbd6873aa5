"""The draft as a document: markers, the Markdown format both ways, draft files, HTML and its chart.

Pure rendering and parsing plus the files a draft lives in. May import `scoring` and `report`.
"""

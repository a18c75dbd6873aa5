"""The template engine's prose: wording helpers, dimension paragraphs and overview sections. Pure."""

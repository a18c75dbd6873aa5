"""Taxonomy curation: model-suggested catalogue entries for uncounted names, and accepting a reviewed proposal.

`proposal` is pure (the proposal file both ways, merging it into the catalogue text); `suggest`
runs the model calls (through `llm.protocol`; the SDK-backed client is imported only when a
model is called). May import `scoring`, `llm` and `drafting.prompts`' conventions; nothing above.
"""

"""The model seam: the only home of openai, httpx and tenacity.

`protocol` (requests, answers, retry policy) imports no SDK and is what drafting depends on;
`client` (the OpenAI-compatible client and Batch API) and `replay` (record/replay at the HTTP
level) load the SDK, so they are imported only inside commands that call a model.
May import the base modules only.
"""

"""Drafting: prompts, grounding, template engine, answers, budgets, cost, checkpoints, the use cases.

The use cases draft one company, a fleet, or a Batch API run. May import `scoring`, `report`,
`llm.protocol` (the SDK-backed `llm` modules only inside the function that builds a client)
and `document`.
"""

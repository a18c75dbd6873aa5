"""The engineering catalogue (taxonomy/catalogue/engineering.yaml) recognises real-world names.

Each row is a name as it appears in real signal lists (or a well-known product that a company's
list could hold), the kind it was listed as, what it should be recognised as, and dimensions it must
and must not count for. Other catalogue files may add dimensions, so rows check inclusion.
"""

from __future__ import annotations

import pytest

from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.scorer import Scorer
from tests.conftest import recognised

S, T, C, STD, L = SignalKind.SERVICE, SignalKind.TOOL, SignalKind.CONCEPT, SignalKind.STANDARD, SignalKind.LANGUAGE


LANGUAGES = [
    (T, "Python"),
    (S, "Java"),
    (S, "Javascript"),
    (T, "Typescript"),
    (T, "C#"),
    (T, "C++"),
    (T, "C"),
    (T, "C/c++"),
    (T, "Go (Golang)"),
    (T, "Golang"),
    (C, "Swift"),
    (S, "Kotlin"),
    (T, "Objective-c"),
    (T, "R"),
    (C, "Bash"),
    (S, "Shell Scripting"),
    (T, "T-sql"),
    (T, "Pl/sql"),
    (T, "Html5"),
    (T, "Css3"),
    (C, "Vba"),
    (T, "Vba (Visual Basic For Applications)"),
    (T, "Cobol"),
    (T, "Abap"),
    (T, ".Net"),
    (T, "Rust"),
    (T, "Dart"),
]


@pytest.mark.parametrize(("kind", "name"), LANGUAGES)
def test_a_language_is_a_language_whatever_list_it_came_in(scorer: Scorer, kind: SignalKind, name: str) -> None:
    effective, dimensions = recognised(scorer, kind, name)
    assert effective is L
    assert "languages" in dimensions
    assert "services" not in dimensions


def test_sql_is_a_query_language_for_languages_and_databases(scorer: Scorer) -> None:
    for kind in (S, T, C):
        effective, dimensions = recognised(scorer, kind, "Sql")
        assert effective is L
        assert {"languages", "databases"} <= dimensions


@pytest.mark.parametrize(
    ("kind", "name"),
    [(T, "Java Spring Boot"), (C, "Python Scripting"), (T, "C++ Framework"), (T, "Javascript Frameworks")],
)
def test_a_language_inside_a_longer_name_adds_languages_but_keeps_the_kind(
    scorer: Scorer, kind: SignalKind, name: str
) -> None:
    effective, dimensions = recognised(scorer, kind, name)
    assert effective is kind
    assert "languages" in dimensions


@pytest.mark.parametrize(("kind", "name"), [(C, "Swift Mt"), (C, "Go Live"), (T, "Shell Oil"), (T, "Ruby Tuesday")])
def test_ambiguous_short_language_names_only_count_on_their_own(scorer: Scorer, kind: SignalKind, name: str) -> None:
    assert "languages" not in recognised(scorer, kind, name)[1]


STANDARDS = [
    (C, "Oauth 2.0", {"specifications", "security"}),
    (T, "OpenID Connect", {"specifications", "security"}),
    (T, "Saml", {"specifications", "security"}),
    (S, "Json", {"specifications", "api"}),
    (S, "Xml", {"specifications"}),
    (S, "Soap", {"specifications", "api"}),
    (T, "Jwt", {"specifications"}),
    (T, "ISO 20022", {"specifications"}),
    (T, "AsyncAPI", {"specifications", "api"}),
    (T, "Vulkan", {"specifications", "api"}),
    (T, "XBRL", {"specifications"}),
]


@pytest.mark.parametrize(("kind", "name", "expected"), STANDARDS)
def test_technical_specifications_are_standards(
    scorer: Scorer, kind: SignalKind, name: str, expected: set[str]
) -> None:
    effective, dimensions = recognised(scorer, kind, name)
    assert effective is STD
    assert expected <= dimensions


ROWS = [
    # AI, context engineering, model registry, AI review, domain specialisation, multimodal
    (C, "Artificial Intelligence (Ai)", {"artificial-intelligence"}),
    (T, "Ai/ml", {"artificial-intelligence"}),
    (C, "Natural Language Processing (Nlp)", {"artificial-intelligence"}),
    (C, "Agentic AI", {"artificial-intelligence"}),
    (T, "Scikit-learn", {"artificial-intelligence", "open-source"}),
    (S, "Chatgpt", {"artificial-intelligence", "multimodal-infrastructure"}),
    (C, "Large Language Models (Llms)", {"artificial-intelligence", "multimodal-infrastructure"}),
    (S, "Amazon Bedrock", {"artificial-intelligence", "multimodal-infrastructure", "cloud"}),
    (C, "Retrieval Augmented Generation Pipelines", {"context-engineering"}),
    (T, "Vector Databases", {"context-engineering"}),
    (T, "LangGraph", {"context-engineering", "open-source"}),
    (T, "Vertex AI", {"model-registry-versioning"}),
    (C, "AI Model Monitoring", {"model-registry-versioning"}),
    (C, "Model Risk Management", {"ai-review-approval"}),
    (C, "Responsible AI Practices", {"ai-review-approval"}),
    (C, "Model Fine-tuning", {"domain-specialization"}),
    (T, "Named Entity Recognition", {"domain-specialization", "artificial-intelligence"}),
    (T, "Intelligence Artificielle (Ia)", {"artificial-intelligence"}),
    (T, "Labelbox", {"artificial-intelligence"}),
    # Code, developer experience, open source
    (C, "Source Code Management (Scm)", {"code"}),
    (T, "Code Repositories", {"code"}),
    (T, "Component Libraries", {"patterns"}),
    (C, "Code Reviews", {"code", "testing-quality"}),
    (T, "Continuous Integration/continuous Delivery (Ci/cd)", {"code"}),
    (T, "Gradle", {"code", "open-source"}),
    (S, "Visual Studio Code", {"developer-experience", "code"}),
    (T, "Developer Productivity Tools", {"developer-experience"}),
    (S, "Unreal Engine", {"developer-experience", "code"}),
    (T, "Checkstyle", {"testing-quality", "code"}),
    (T, "Open-source Technologies", {"open-source"}),
    # Testing and experimentation
    (C, "Test-driven Development (Tdd)", {"testing-quality"}),
    (C, "User Acceptance Testing (Uat)", {"testing-quality"}),
    (S, "Cypress", {"testing-quality"}),
    (T, "Junit", {"testing-quality", "open-source"}),
    (T, "Multivariate Testing", {"experimentation-prototyping", "testing-quality"}),
    (C, "Wireframes", {"experimentation-prototyping"}),
    (C, "Proof of Concept", {"experimentation-prototyping"}),
    (S, "Statsig", {"experimentation-prototyping"}),
    # API, patterns
    (T, "Restful Apis", {"api", "specifications"}),
    (C, "Api Development", {"api"}),
    (S, "Postman", {"api", "testing-quality"}),
    (C, "Microservice-based Architecture", {"patterns"}),
    (C, "Domain-Driven Design", {"patterns"}),
    (S, "Vue.js", {"patterns", "open-source"}),
    (S, "React.js", {"open-source"}),
    (T, "Django", {"patterns", "open-source"}),
    # Game and real-time 3D development (names beyond the development data)
    (T, "Unreal Engine 5.3", {"developer-experience", "code"}),
    (T, "CryEngine", {"developer-experience", "code"}),
    (T, "Godot 4", {"developer-experience", "code"}),
    (C, "Gameplay Programming", {"code"}),
    (T, "Compute Shaders", {"code"}),
    (C, "Real-time Ray Tracing", {"code"}),
    (C, "Playtesting Sessions", {"testing-quality", "experimentation-prototyping"}),
    (T, "RenderDoc", {"testing-quality", "code"}),
    # AI vocabulary, model monitoring, internal software, blockchain
    (C, "Generative Adversarial Networks (GANs)", {"artificial-intelligence"}),
    (C, "Behaviour Cloning", {"artificial-intelligence"}),
    (C, "Model Drift Monitoring", {"model-registry-versioning"}),
    (T, "Homegrown Applications", {"code"}),
    (T, "Proprietary Tools Suite", {"code"}),
    (C, "Blockchain Platforms", {"databases"}),
    (C, "Smart Contract Development", {"code", "databases"}),
    (T, "Qt Framework", {"patterns", "code"}),
    (C, "Localization", {"code"}),
    (C, "Search Engines", {"context-engineering"}),
    (T, "KI-Plattform", {"artificial-intelligence"}),  # German "KI" is AI
    (T, "人工智能平台", {"artificial-intelligence"}),  # Chinese: found inside a longer name
]


@pytest.mark.parametrize(("kind", "name", "expected"), ROWS)
def test_names_count_for_their_dimensions(scorer: Scorer, kind: SignalKind, name: str, expected: set[str]) -> None:
    assert expected <= recognised(scorer, kind, name)[1]


NOT = [
    (C, "Dental Codes", "code"),
    (C, "Health Code Guidelines", "code"),
    (C, "Safety Protocols", "specifications"),
    (T, "Product Specifications", "specifications"),
    (C, "Rag Status Reporting", "context-engineering"),
    (C, "Reactive Maintenance", "patterns"),
    (C, "Pricing Models", "model-registry-versioning"),
    (C, "Travel Agent", "artificial-intelligence"),
    (C, "Monte Carlo Simulation", "experimentation-prototyping"),
    (T, "Automated Trading Algorithms", "code"),
    (C, "Search Engine Optimization", "context-engineering"),  # SEO is marketing, not retrieval
    (T, "Internally Developed Controls", "code"),  # internal controls, not internal software
    (C, "Securities Lending", "security"),  # financial securities
    (T, "SAP Payroll (Argentina Localization)", "code"),  # a country version, not software localization
]


@pytest.mark.parametrize(("kind", "name", "dimension"), NOT)
def test_lookalike_words_do_not_count(scorer: Scorer, kind: SignalKind, name: str, dimension: str) -> None:
    assert dimension not in recognised(scorer, kind, name)[1]


def test_a_spotify_language_keeps_its_seed_dimensions(scorer: Scorer) -> None:
    """The seed report counts languages for Languages, not Code: a language entry adds no Code."""
    for name in ("Python", "Go", "Rust", "Scala", "Perl", "Bash", "C++", "HTML", ".Net", "VB"):
        assert recognised(scorer, L, name) == (L, {"languages"})

"""The business catalogue (taxonomy/catalogue/business.yaml) recognises real-world names.

Table-driven: representative names, most of them NOT in the development data (well-known
products, standards and everyday terms), must count for the expected business dimensions,
be recognised as what they are (a standard, a commercial service, a practice), and stay clear
of look-alike words (machine *learning* is not HR learning; "SAA" is not SaaS).
"""

from __future__ import annotations

import pytest

from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.scorer import Scorer
from tests.conftest import recognised

SERVICE, TOOL, CONCEPT, STANDARD = SignalKind.SERVICE, SignalKind.TOOL, SignalKind.CONCEPT, SignalKind.STANDARD


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        # Standards and regulations, whatever list they come in.
        (SERVICE, "ISO/IEC 27001:2022", {"security", "governance", "standardization", "regulatory-posture"}),
        (TOOL, "ISO 9001 Quality Management", {"standardization", "governance", "testing-quality"}),
        (CONCEPT, "SOC 1 Type II Reports", {"governance", "regulatory-posture", "standardization"}),
        (CONCEPT, "Sarbanes-Oxley (SOX) Controls", {"governance", "regulatory-posture", "standardization"}),
        (TOOL, "PCI-DSS v4.0", {"security", "regulatory-posture", "standardization"}),
        (CONCEPT, "California Consumer Privacy Act", {"privacy-data-rights", "regulatory-posture"}),
        (CONCEPT, "LGPD", {"privacy-data-rights", "regulatory-posture"}),
        (CONCEPT, "NIST 800-171", {"security", "governance", "standardization"}),
        (CONCEPT, "FedRAMP High", {"security", "regulatory-posture"}),
        (CONCEPT, "Basel III Endgame", {"regulatory-posture", "governance"}),
        (CONCEPT, "Digital Operational Resilience Act (DORA)", {"regulatory-posture", "governance"}),
        (TOOL, "ITIL 4 Foundation", {"standardization", "governance", "operations"}),
        (CONCEPT, "TOGAF 9.2", {"alignment", "standardization"}),
        (CONCEPT, "IFRS 17", {"regulatory-posture", "roi-business-metrics", "standardization"}),
        (CONCEPT, "WCAG 2.2 AA", {"standardization", "regulatory-posture"}),
        # Security: generic vocabulary and vendor families.
        (CONCEPT, "Endpoint Detection and Response", {"security"}),
        (CONCEPT, "Privileged Access Management", {"security"}),
        (SERVICE, "Okta Workforce Identity", {"security"}),
        (SERVICE, "CrowdStrike Falcon Insight", {"security"}),
        (TOOL, "Microsoft Defender for Cloud", {"security", "provider-strategy"}),
        # Governance, regulatory, privacy.
        (CONCEPT, "Third Line of Defence Assurance", {"governance"}),
        (CONCEPT, "Enterprise Risk Management", {"governance"}),
        (CONCEPT, "Regulatory Change Management", {"regulatory-posture", "governance", "alignment"}),
        (CONCEPT, "Sanctions Screening", {"regulatory-posture"}),
        (CONCEPT, "Data Subject Access Requests", {"privacy-data-rights"}),
        (SERVICE, "OneTrust Privacy Management", {"privacy-data-rights", "governance"}),
        # ROI & business metrics, FinOps.
        (CONCEPT, "Accounts Payable Automation", {"roi-business-metrics"}),
        (CONCEPT, "Executive KPI Dashboards", {"roi-business-metrics"}),
        (SERVICE, "Anaplan", {"saas", "roi-business-metrics"}),
        (CONCEPT, "Cloud Cost Allocation", {"ai-finops"}),
        (SERVICE, "Apptio Cloudability", {"ai-finops"}),
        # Talent and organisational design.
        (SERVICE, "Workday HCM", {"talent-organizational-design", "saas"}),
        (SERVICE, "Cornerstone OnDemand", {"talent-organizational-design", "saas"}),
        (CONCEPT, "Succession Planning", {"talent-organizational-design"}),
        (CONCEPT, "Learning and Development Programs", {"talent-organizational-design"}),
        # Partnerships, provider strategy, M&A.
        (CONCEPT, "Supplier Relationship Management", {"partnerships-ecosystem"}),
        (CONCEPT, "Multi-Cloud Strategy", {"provider-strategy", "alignment"}),
        (CONCEPT, "Business Process Outsourcing", {"provider-strategy", "partnerships-ecosystem"}),
        (CONCEPT, "Post-Merger Integration", {"mergers-acquisitions"}),
        (CONCEPT, "Due Diligence", {"mergers-acquisitions", "governance"}),
        # Alignment: delivery frameworks, architecture, strategy.
        (CONCEPT, "Scrum of Scrums", {"alignment"}),
        (CONCEPT, "Kanban Boards", {"alignment"}),
        (CONCEPT, "Lean Six Sigma Green Belt", {"alignment"}),
        (CONCEPT, "Enterprise Architecture", {"alignment"}),
        (CONCEPT, "Project Portfolio Management", {"alignment"}),
        # SaaS: business-software families.
        (CONCEPT, "Enterprise Resource Planning (ERP) Systems", {"saas", "platform", "roi-business-metrics"}),
        (SERVICE, "SAP S/4HANA Finance", {"saas", "platform", "roi-business-metrics", "provider-strategy"}),
        (SERVICE, "Oracle E-Business Suite R12", {"saas", "roi-business-metrics", "provider-strategy"}),
        (SERVICE, "Microsoft Dynamics 365 Finance", {"saas", "platform", "roi-business-metrics", "provider-strategy"}),
        (
            SERVICE,
            "Salesforce Marketing Cloud Account Engagement",
            {"saas", "roi-business-metrics", "provider-strategy"},
        ),
        (TOOL, "Advanced Excel (Pivot Tables, VLOOKUP)", {"saas"}),
        (SERVICE, "Google Workspace", {"saas", "provider-strategy"}),
        (SERVICE, "Zendesk Suite", {"saas"}),
        (SERVICE, "ServiceNow HR Service Delivery", {"saas", "talent-organizational-design"}),
        # Payments, monetization, insurance systems.
        (CONCEPT, "Payment Processing", {"roi-business-metrics"}),
        (SERVICE, "Stripe Billing", {"saas", "roi-business-metrics"}),
        (CONCEPT, "Game Monetization", {"roi-business-metrics"}),
        (TOOL, "Claims Platform", {"platform"}),
        (CONCEPT, "Pricing Models", {"roi-business-metrics"}),
        # Marketing measurement, social and platform ecosystems.
        (CONCEPT, "Omnichannel Marketing", {"roi-business-metrics"}),
        (CONCEPT, "Segmentation", {"roi-business-metrics"}),
        (SERVICE, "Twitch", {"saas", "roi-business-metrics"}),
        (TOOL, "Nintendo Switch", {"partnerships-ecosystem"}),
        # Creative, 3D, audio and translation software.
        (TOOL, "Autodesk Maya", {"saas"}),
        (TOOL, "Houdini FX", {"saas"}),
        (TOOL, "Wwise", {"saas"}),
        (SERVICE, "Smartling", {"saas"}),
        (CONCEPT, "Access", {"security"}),
        (TOOL, "User Manuals", {"talent-organizational-design"}),
        # Other languages.
        (CONCEPT, "Cybersécurité", {"security"}),
        (CONCEPT, "Gestión de Proyectos", {"alignment"}),
        (CONCEPT, "Comptabilité Générale", {"roi-business-metrics"}),
        (CONCEPT, "Protección de Datos", {"privacy-data-rights"}),
        (TOOL, "Gong", {"saas", "artificial-intelligence"}),
        (TOOL, "diagrams.net", {"alignment", "open-source"}),
        (CONCEPT, "STP", {"automation"}),
    ],
)
def test_names_count_for_business_dimensions(scorer: Scorer, kind: SignalKind, name: str, expected: set[str]) -> None:
    _, dimensions = recognised(scorer, kind, name)
    assert expected <= dimensions, f"{name!r} counts for {sorted(dimensions)}"


@pytest.mark.parametrize(
    ("kind", "name", "recognised_as"),
    [
        (SERVICE, "HIPAA", STANDARD),  # a regulation filed as a service is a standard
        (TOOL, "ISO 22301", STANDARD),
        (CONCEPT, "SOC 2 Type 2", STANDARD),
        (TOOL, "COBIT 2019", STANDARD),
        (SERVICE, "Scrum", CONCEPT),  # a practice is not a commercial service
        (SERVICE, "Kanban", CONCEPT),
        (TOOL, "Microsoft Excel", SERVICE),  # a commercial product filed as a tool
        (TOOL, "PowerPoint", SERVICE),
        (CONCEPT, "SAP S/4HANA", SERVICE),
        (TOOL, "Scrum of Scrums", TOOL),  # keyword rules without `is` keep the listed kind
        (TOOL, "Access", SERVICE),  # Microsoft Access, in a tool list
        (CONCEPT, "OWASP", STANDARD),
        (CONCEPT, "GDPR", STANDARD),  # signals.yaml entries say what they are too
        (TOOL, "GraphQL", STANDARD),
        (TOOL, "OpenAPI", STANDARD),
        (SERVICE, "ISO", STANDARD),
        (TOOL, "Gong", SERVICE),  # a SaaS product, in a tool list
    ],
)
def test_names_are_recognised_as_what_they_are(
    scorer: Scorer, kind: SignalKind, name: str, recognised_as: SignalKind
) -> None:
    effective, _ = recognised(scorer, kind, name)
    assert effective == recognised_as


@pytest.mark.parametrize(
    ("kind", "name", "not_expected"),
    [
        (CONCEPT, "Machine Learning Models", "talent-organizational-design"),  # not HR learning
        (CONCEPT, "Deep Learning", "talent-organizational-design"),
        (CONCEPT, "Strategic Asset Allocation (SAA) Framework", "saas"),  # SAA is not SaaS
        (CONCEPT, "Data Acquisition", "mergers-acquisitions"),
        (CONCEPT, "Application Performance Management", "talent-organizational-design"),
        (CONCEPT, "Data Transformation", "alignment"),
        (TOOL, "Stored Procedures", "standardization"),
        (CONCEPT, "Derivatives Pricing Models", "roi-business-metrics"),
        (CONCEPT, "Kubernetes Controllers", "governance"),
        (CONCEPT, "Machine Learning Platforms", "talent-organizational-design"),
        (CONCEPT, "Data Vault Modeling", "security"),
        (CONCEPT, "Distributed Ledger Technology", "roi-business-metrics"),
        (CONCEPT, "Event Sourcing", "partnerships-ecosystem"),
        (CONCEPT, "Border Control Solutions", "governance"),
        (CONCEPT, "Interest Rate Swaps", "roi-business-metrics"),  # capital-markets products are not ROI
        (CONCEPT, "Diversity, Equity and Inclusion", "roi-business-metrics"),  # not equities
        (CONCEPT, "Future State Architecture", "roi-business-metrics"),  # not futures
        (CONCEPT, "Procure to Pay", "talent-organizational-design"),  # French "paie" is left out: it folds to "pay"
        (CONCEPT, "First-party Data", "partnerships-ecosystem"),  # not a console platform holder
        (CONCEPT, "Machine Learning Platforms", "talent-organizational-design"),
    ],
)
def test_look_alike_words_do_not_count(scorer: Scorer, kind: SignalKind, name: str, not_expected: str) -> None:
    _, dimensions = recognised(scorer, kind, name)
    assert not_expected not in dimensions, f"{name!r} counts for {sorted(dimensions)}"

"""The infrastructure catalogue (taxonomy/catalogue/infrastructure.yaml) recognises real-world names.

Table-driven: representative names, many of them absent from the development data, must count
for the expected infrastructure dimensions through the merged taxonomy. Other catalogue files may
add dimensions of their own, so positive cases check a subset; negative cases pin the ambiguous
words the file deliberately leaves out (video streaming, warehouses, the pound sterling...).
"""

from __future__ import annotations

import pytest

from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.scorer import Scorer
from tests.conftest import recognised

S, T, C = SignalKind.SERVICE, SignalKind.TOOL, SignalKind.CONCEPT


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        # Vendor families (prefix rules), including services not in the development data.
        (S, "Amazon Aurora Serverless", {"cloud"}),
        (S, "AWS Outposts", {"cloud"}),
        (S, "Azure Container Apps", {"cloud", "containers"}),
        (S, "Google Cloud Spanner", {"cloud"}),
        (S, "Alibaba Cloud OSS", {"cloud"}),
        (S, "IBM Cloud Kubernetes Service", {"cloud", "containers", "cncf"}),
        (S, "Huawei Cloud", {"cloud"}),
        # Foundation projects: prefixes add the foundation even where an exact entry matched.
        (T, "Kafka", {"apache", "event-driven", "data-pipelines"}),
        (T, "Spark", {"apache", "data-pipelines"}),
        (T, "Kafka Streams", {"apache", "event-driven"}),
        (T, "Apache Pulsar", {"apache", "event-driven"}),
        (T, "Hadoop Distributed File System (HDFS)", {"apache", "data"}),
        (T, "Cassandra", {"apache", "databases"}),
        (T, "Kubernetes Cluster Management", {"cncf", "containers"}),
        (T, "Argo Workflows", {"cncf"}),
        (T, "Linkerd Service Mesh", {"cncf", "containers"}),
        (T, "Helm Charts", {"cncf", "containers"}),
        (T, "Red Hat OpenShift", {"containers", "cncf", "platform"}),
        # Keyword rules: everyday terms that recur across companies.
        (C, "Cloud-native Architectures", {"cloud", "cncf"}),
        (C, "Infrastructure As Code (IaC)", {"cloud", "automation"}),
        (C, "Container Orchestration", {"containers"}),
        (C, "Virtual Machines (VMs)", {"virtualization"}),
        (T, "Proxmox VE", {"virtualization"}),
        (C, "Network Troubleshooting", {"operations"}),
        (C, "Disaster Recovery (DR)", {"operations"}),
        (C, "Log Aggregation", {"observability"}),
        (T, "Zabbix", {"observability", "operations"}),
        (C, "Workflow Automation", {"automation"}),
        (C, "Low-code Platforms", {"automation", "platform"}),
        (C, "On-premise Infrastructure", {"data-centers", "operations"}),
        (C, "GPU Clusters For Training", {"data-centers"}),
        (C, "Data Quality Monitoring", {"data", "observability"}),
        (T, "Advanced Excel", {"data"}),
        (C, "Relational Database Design", {"databases"}),
        (T, "Amazon Aurora", {"databases", "cloud"}),
        (C, "ETL Pipelines", {"data-pipelines"}),
        (T, "Dagster", {"data-pipelines"}),
        (C, "Event-driven Microservices", {"event-driven"}),
        (T, "RabbitMQ", {"event-driven"}),
        (C, "Third-party Integrations", {"integrations"}),
        (T, "Dell Boomi AtomSphere", {"integrations"}),
        (C, "Low-latency Trading Systems", {"operations", "platform"}),
        (C, "Recovery Time Objective (RTO)", {"operations"}),
        (C, "Query Optimization", {"databases"}),
        (C, "Warehouse Management System (WMS)", {"platform"}),
        (T, "Tableau Cloud", {"data"}),
        (T, "Docker Desktop", {"containers"}),
        (T, "VMware Tanzu Application Service", {"virtualization", "containers"}),
        # The estate operations runs: telephony, devices, networks, connected devices.
        (T, "Cisco IP Phones", {"operations"}),
        (T, "Zebra Barcode Scanners", {"operations"}),
        (C, "Contact Centre Operations", {"operations"}),
        (T, "Wireshark", {"operations"}),
        (T, "Syslog-ng", {"observability"}),
        (C, "Industrial IoT", {"operations"}),
        (S, "Samsara Telematics", {"operations"}),
        (C, "Live Ops", {"operations"}),
        (T, "Grafana Loki", {"observability", "operations"}),
        # Statistics, simulation and operations research are data work.
        (C, "Bayesian Statistics", {"data"}),
        (C, "Monte Carlo Methods", {"data"}),
        (C, "Linear Programming", {"data"}),
        (T, "Gurobi Optimizer", {"data"}),
        (C, "Discrete Event Simulation", {"data"}),
        (C, "Modelling", {"data"}),
        # Other languages.
        (C, "Análisis de Datos", {"data"}),
        (C, "Computación en la Nube", {"cloud"}),
        (T, "自动化测试", {"automation", "testing-quality"}),
        (C, "Systèmes d'Information", {"operations"}),
        # Common names the development data left uncounted.
        (T, "Mac OS", {"operations"}),
        (T, "Dashboarding", {"data"}),
        (T, "SAS", {"data"}),
        (T, "SAS Enterprise Guide", {"data"}),
        (T, "Minitab", {"data"}),
        (C, "Zero-touch Provisioning", {"automation"}),
        (C, "Straight-Through Processing (STP)", {"automation"}),
    ],
)
def test_name_counts_for_expected_dimensions(scorer: Scorer, kind: SignalKind, name: str, expected: set[str]) -> None:
    assert expected <= recognised(scorer, kind, name)[1]


@pytest.mark.parametrize(
    ("kind", "name", "absent"),
    [
        (C, "Video Streaming", "event-driven"),  # "streaming" alone is left out: games and media stream video
        (C, "Warehouse Management System", "databases"),  # a retail warehouse is not a data warehouse
        (C, "Pound Sterling", "integrations"),  # IBM Sterling is named in full
        (C, "Druid Class Design", "apache"),  # Apache Druid only with its prefix
        (C, "EMR Integration", "data-pipelines"),  # electronic medical records, not Amazon EMR
        (S, "Google Ads", "cloud"),  # only Google Cloud names are cloud
        (T, "React Router", "operations"),  # a front-end library, not a network router
        (C, "Battery Energy Storage Systems", "operations"),  # "storage" alone is not IT storage
        (C, "Fuel Dispenser Hanging Hardware", "data-centers"),  # nor is "hardware" alone
        (S, "Barclays PLC", "operations"),  # a public limited company, not a programmable logic controller
        (T, "STP Cabling", "automation"),  # STP alone is straight-through processing, in a name maybe twisted pair
    ],
)
def test_ambiguous_words_do_not_count(scorer: Scorer, kind: SignalKind, name: str, absent: str) -> None:
    assert absent not in recognised(scorer, kind, name)[1]

import string

from naftiko_writer.scoring.names import distinct_names, name_key, name_tokens


def test_case_punctuation_and_spacing_do_not_matter() -> None:
    assert name_key("Amazon Web Services") == name_key("amazon-web-services") == name_key("AMAZON_WEB  services")
    assert name_key("Qlik Sense") == name_key("QlikSense")
    assert name_key("Node.js") == name_key("nodejs")


def test_plus_and_sharp_keep_languages_apart() -> None:
    assert len({name_key("C"), name_key("C++"), name_key("C#")}) == 3


def test_non_latin_scripts_survive() -> None:
    assert name_key("机器学习") == "机器学习"
    assert name_tokens("Apache  Spark!") == ("apache", "spark")


def test_punctuation_only_name_has_empty_key() -> None:
    assert name_key("--- !!") == ""


def test_ascii_names_split_exactly_as_by_the_unicode_pattern() -> None:
    """ASCII names take a simpler, faster pattern: it must find the same words."""
    from naftiko_writer.scoring.names import _unicode_words

    samples = [*string.printable, string.printable, "AWS_Lambda", "C++/C# & F#", "Node.js 18.x", "x86-64", "a\tb\nc"]
    for sample in samples:
        text = sample.lower().replace("+", " plus ").replace("#", " sharp ")
        assert name_tokens(sample) == tuple(_unicode_words().findall(text)), sample


def test_distinct_names_keep_the_first_spelling_of_each_key_up_to_a_limit() -> None:
    names = ["Node.js", "Apache Spark", "nodejs", "Kafka", "apache-spark", "Go"]
    assert distinct_names(names) == ["Node.js", "Apache Spark", "Kafka", "Go"]
    assert distinct_names(names, limit=3) == ["Node.js", "Apache Spark", "Kafka"]

from tracker.benchmarks import HEADER, merge


def test_each_database_keeps_its_own_section():
    sqlite = "## sqlite\n\n| a | 1 |\n"
    postgres = "## postgresql\n\n| a | 2 |\n"
    document = merge(merge("", sqlite), postgres)
    assert document.startswith(HEADER)
    assert "| a | 1 |" in document and "| a | 2 |" in document
    newer = merge(document, "## sqlite\n\n| a | 3 |\n")
    assert "| a | 1 |" not in newer
    assert "| a | 3 |" in newer and "| a | 2 |" in newer
    assert newer.count("## sqlite") == 1

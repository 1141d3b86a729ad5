"""libdoc is the manual QA engineers read: every keyword has a summary, its arguments and an example."""

import pytest
from robot.libdoc import LibraryDocumentation

LIBRARY = LibraryDocumentation("AsyncApiLibrary")
COMMON = ("alias", "stream", "websocket", "fake", "timeout", "response", "headers")
INTRO_SECTIONS = ("= Modes =", "= Streams =", "= Fakes =", "= Cleanup =", "= Timeouts =",
                  "= Common arguments =", "= Secrets =", "= Errors =", "= WebSockets =")


def test_intro_has_the_sections_and_describes_the_common_arguments():
    for section in INTRO_SECTIONS:
        assert section in LIBRARY.doc
    common = LIBRARY.doc.split("= Common arguments =")[1].split("\n= ")[0]
    for name in COMMON:
        assert f"| ``{name}`` |" in common


@pytest.mark.parametrize("kw", LIBRARY.keywords, ids=lambda kw: kw.name)
def test_keyword_has_summary_argument_docs_and_example(kw):
    summary = kw.doc.split("\n")[0].strip()
    assert summary.endswith("."), f"{kw.name}: the summary line should be a sentence"
    assert "Example:" in kw.doc, f"{kw.name}: no example"
    undocumented = [arg.name for arg in kw.args
                    if arg.name not in kw.doc and arg.name not in COMMON]
    assert not undocumented, f"{kw.name}: arguments not described: {undocumented}"
    for arg in kw.args:
        if arg.kind not in ("VAR_POSITIONAL", "VAR_NAMED"):
            assert arg.type is not None, f"{kw.name}: argument '{arg.name}' has no type"

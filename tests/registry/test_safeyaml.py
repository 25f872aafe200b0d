"""Safe YAML (:mod:`consortium.registry.safeyaml`): a tab in indentation is named as a tab, with its place."""

from __future__ import annotations

import pytest

from consortium.registry.errors import InputError
from consortium.registry.safeyaml import parse_mapping


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a:\n\tb: 1\n", "line 2, column 1"),  # PyYAML: "found character that cannot start any token"
        ("a:\n  b: 1\n\tc: 2\n", "line 3, column 1"),  # PyYAML: "found a tab character that violates indentation"
        ("a:\n  -\tx\n", "line 2, column 4"),
        ("\tb: 1\n", "line 1, column 1"),
    ],
)
def test_a_tab_in_indentation_is_called_a_tab(text: str, where: str) -> None:
    with pytest.raises(InputError) as err:
        parse_mapping(text, "members/verona.yaml")
    assert str(err.value) == f"members/verona.yaml: {where}: tab used for indentation; YAML allows only spaces there"


def test_tabs_yaml_allows_are_accepted() -> None:
    assert parse_mapping('a: "x\ty"\nb: [1,\t2]\n', "f.yaml") == {"a": "x\ty", "b": [1, 2]}


def test_other_syntax_errors_keep_their_wording() -> None:
    with pytest.raises(InputError) as err:
        parse_mapping("a: [\n", "f.yaml")
    assert str(err.value) == "f.yaml: line 2: YAML syntax error: did not find expected node content"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("kind:\tvillage\n", "line 1, column 6"),
        ("a: b\t# comment\n", "line 1, column 5"),
        ("a: b\tc\n", "line 1, column 5"),
    ],
)
def test_a_tab_the_onboarding_editor_cannot_read_is_refused(text: str, where: str) -> None:
    # PyYAML reads these, the round-trip editor of `consortium onboard` does not: refuse at load,
    # so a file that validates can always be edited.
    with pytest.raises(InputError) as err:
        parse_mapping(text, "members/verona.yaml")
    message = "tab where YAML needs spaces; use spaces (tabs only inside quotes)"
    assert str(err.value) == f"members/verona.yaml: {where}: {message}"

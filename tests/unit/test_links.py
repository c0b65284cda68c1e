"""The link extractor on real strings: abstracts and comments of arXiv papers (from
``../shared/data/arxiv_daily_listings``, 2025 days, quoted as arXiv has them), and the spellings authors use."""

from __future__ import annotations

import pytest

from dailypapers.sources.links import Host, code_link, extract_links, find_urls, project_page, same_repo

# 2503.12532 (abstract): the sentence's full stop follows the link.
STEVE = (
    "Extensive experiments demonstrate that STEVE achieves state-of-the-art performance on multiple benchmarks. "
    "Code is available at https://github.com/FanbinLu/STEVE."
)
# 2503.21088 (abstract): a tree/ path into the repository, then the full stop.
UNLEARN = "Our code is available at https://github.com/zjunlp/unlearn/tree/main/semeval25."
# 2503.13399 (abstract): project page, a dataset on Hugging Face (twice, once with a comma), the page again.
MICROVQA = (
    "MicroVQA is available at https://huggingface.co/datasets/jmhb/microvqa, and project at "
    "https://jmhb0.github.io/microvqa. Website: https://jmhb0.github.io/microvqa "
    "Dataset: https://huggingface.co/datasets/jmhb/microvqa"
)
# 2503.21694 (abstract and comment): the repository, a Space, the repository again.
TRIPLANE = (
    "Code is available at https://github.com/theEricMa/TriplaneTurbo. Demo: "
    "https://huggingface.co/spaces/ZhiyuanthePony/TriplaneTurbo"
)
TRIPLANE_COMMENT = "Project Page: https://github.com/theEricMa/TriplaneTurbo."
# 2503.21755 (abstract): a project page first, then the repository of the benchmark.
VBENCH = (
    "VBench-2.0 is open-sourced at https://vchitect.github.io/VBench-2.0-project/ and "
    "https://github.com/Vchitect/VBench"
)


def test_a_repository_at_the_end_of_a_sentence() -> None:
    links = extract_links([STEVE])
    assert links.github_repo == "https://github.com/FanbinLu/STEVE"
    assert links.project_pages == ()


def test_a_tree_path_is_cut_back_to_the_repository() -> None:
    assert extract_links([UNLEARN]).github_repo == "https://github.com/zjunlp/unlearn"


def test_project_page_and_hugging_face_dataset_each_once() -> None:
    links = extract_links([MICROVQA])
    assert links.github_repo is None
    assert [(c.host, c.url) for c in links.code] == [
        (Host.huggingface, "https://huggingface.co/datasets/jmhb/microvqa")
    ]
    assert links.project_pages == ("https://jmhb0.github.io/microvqa",)


def test_first_mention_wins_across_abstract_and_comment() -> None:
    links = extract_links([TRIPLANE, TRIPLANE_COMMENT])
    assert [c.url for c in links.code] == [
        "https://github.com/theEricMa/TriplaneTurbo",
        "https://huggingface.co/spaces/ZhiyuanthePony/TriplaneTurbo",
    ]


def test_project_page_before_repository() -> None:
    links = extract_links([VBENCH])
    assert links.project_page == "https://vchitect.github.io/VBench-2.0-project/"
    assert links.github_repo == "https://github.com/Vchitect/VBench"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("https://github.com/Owner/Repo.git", "https://github.com/Owner/Repo"),
        ("HTTPS://WWW.GitHub.com/Owner/Repo/", "https://github.com/Owner/Repo"),
        ("http://github.com/owner/repo/blob/main/README.md", "https://github.com/owner/repo"),
        ("github.com/owner/repo", "https://github.com/owner/repo"),  # no scheme, as often in comments
        ("(https://github.com/owner/repo)", "https://github.com/owner/repo"),
        ("https://github.com/owner/repo).", "https://github.com/owner/repo"),
        ("\\url{https://github.com/owner/my\\_repo}", "https://github.com/owner/my_repo"),
        ("https://gitlab.com/group/sub/project/-/tree/main", "https://gitlab.com/group/sub/project"),
        ("https://gitlab.com/group/project.git", "https://gitlab.com/group/project"),
        ("https://codeberg.org/owner/repo/src/branch/main", "https://codeberg.org/owner/repo"),
        ("https://huggingface.co/Org/Model-7B/tree/main", "https://huggingface.co/Org/Model-7B"),
    ],
)
def test_normalised_spellings(written: str, expected: str) -> None:
    assert [c.url for c in extract_links([f"Code: {written}"]).code] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/owner",  # a profile, not a repository
        "https://github.com/orgs/acme/repositories",
        "https://github.com/topics/llm",
        "https://huggingface.co/papers/2503.12532",
        "https://huggingface.co/datasets/only-org",
        "Code will be released on GitHub.",  # no link is invented from a name
        "https://github.com/ owner/repo",  # broken by a space: not repaired
    ],
)
def test_not_repositories(text: str) -> None:
    assert extract_links([text]).code == ()


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2503.12532",
        "https://doi.org/10.1000/xyz",
        "https://www.youtube.com/watch?v=abc",
        "https://example.org/paper.pdf",
    ],
)
def test_not_project_pages(url: str) -> None:
    assert project_page(url) is None


def test_project_page_keeps_its_path_and_query() -> None:
    assert (
        project_page("https://sites.google.com/view/x?usp=sharing#top") == "https://sites.google.com/view/x?usp=sharing"
    )
    assert project_page("http://Example.ORG/Project/") == "http://example.org/Project/"


def test_find_urls_stops_at_latex_braces_and_keeps_balanced_brackets() -> None:
    assert find_urls("see \\href{https://a.github.io/x}{here}") == ["https://a.github.io/x"]
    assert find_urls("https://en.example.org/wiki/A_(b).") == ["https://en.example.org/wiki/A_(b)"]


def test_same_repo_ignores_case_depth_and_suffix() -> None:
    assert same_repo("https://github.com/ZJU-REAL/HBPO.git", "github.com/zju-real/hbpo/tree/main")
    assert not same_repo("https://github.com/zju-real/lapo", "https://github.com/ZJU-REAL/HBPO")
    assert not same_repo(None, "https://github.com/a/b")
    assert code_link("https://github.com/a/..") is None

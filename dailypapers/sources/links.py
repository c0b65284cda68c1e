"""Code and project links found in a paper's own text (abstract, arXiv comments, journal ref).

Only links written in the text are returned, normalised so that two spellings of one repository compare equal:
scheme and host lower-cased, ``www.`` dropped, trailing punctuation of the sentence removed ("… at
https://github.com/a/b."), ``.git`` and deeper paths (``/tree/main/x``, ``/blob/…``, GitLab's ``/-/…``) cut
back to the repository. Nothing is guessed: a link broken by a line wrap or a space is not repaired.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Host(StrEnum):
    github = "github"
    gitlab = "gitlab"
    codeberg = "codeberg"
    huggingface = "huggingface"


@dataclass(frozen=True, slots=True)
class CodeLink:
    host: Host
    url: str  # normalised, e.g. https://github.com/owner/repo

    @property
    def key(self) -> str:
        """Case-insensitive identity: GitHub, GitLab and Codeberg names ignore case."""
        return self.url.casefold()


@dataclass(frozen=True, slots=True)
class Links:
    code: tuple[CodeLink, ...] = ()
    project_pages: tuple[str, ...] = ()

    @property
    def github_repo(self) -> str | None:
        """The first GitHub repository named: the paper's own, in the usual "code at …" sentence."""
        return next((link.url for link in self.code if link.host is Host.github), None)

    @property
    def project_page(self) -> str | None:
        return self.project_pages[0] if self.project_pages else None


# A URL with a scheme, or one of the code hosts written without one ("github.com/a/b"). The character class
# stops at whitespace, quotes, angle brackets and braces (LaTeX \url{…} leaves a closing brace).
_URL = re.compile(
    r"(?:https?://|(?<![\w./@-])(?:www\.)?(?=(?:github|gitlab|codeberg)\.(?:com|org)/|huggingface\.co/))"
    r"[^\s<>\"'{}|\\^`]+",
    re.IGNORECASE,
)
# Sentence punctuation that follows a link rather than belonging to it.
_TRAILING = ".,;:!?*'\"”’)]}>"
_OPENERS = {")": "(", "]": "["}

# First path segments of github.com that are GitHub's own pages, never an owner.
_GITHUB_RESERVED = frozenset(
    [
        "about",
        "apps",
        "blog",
        "collections",
        "contact",
        "customer-stories",
        "enterprise",
        "events",
        "explore",
        "features",
        "issues",
        "login",
        "marketplace",
        "new",
        "notifications",
        "orgs",
        "pricing",
        "pulls",
        "search",
        "security",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    ]
)
_HF_KINDS = frozenset({"datasets", "spaces"})
_HF_RESERVED = frozenset(
    [
        "papers",
        "docs",
        "blog",
        "learn",
        "collections",
        "posts",
        "models",
        "pricing",
        "login",
        "join",
        "settings",
        "organizations",
        "tasks",
    ]
)
# Hosts whose links are never a paper's project page: the paper itself, its DOI, archives, video and social
# sites, notebooks. Compared against the host and its parent domains.
_NOT_PROJECT_PAGES = frozenset(
    [
        "arxiv.org",
        "doi.org",
        "dx.doi.org",
        "aclanthology.org",
        "openreview.net",
        "proceedings.neurips.cc",
        "zenodo.org",
        "figshare.com",
        "kaggle.com",
        "paperswithcode.com",
        "youtube.com",
        "youtu.be",
        "twitter.com",
        "x.com",
        "colab.research.google.com",
        "drive.google.com",
        "docs.google.com",
        "pypi.org",
        "creativecommons.org",
        "bit.ly",
        "tinyurl.com",
        "ieeexplore.ieee.org",
        "dl.acm.org",
        "springer.com",
        "link.springer.com",
        "sciencedirect.com",
        "nature.com",
        "wikipedia.org",
        "en.wikipedia.org",
    ]
)
_CODE_HOSTS = {"github.com": Host.github, "gitlab.com": Host.gitlab, "codeberg.org": Host.codeberg}


def find_urls(text: str) -> list[str]:
    """Every URL-looking string in ``text``, in order, with sentence punctuation stripped."""
    return [url for match in _URL.finditer(text) if (url := _strip_trailing(match.group(0)))]


def _strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING:
        last = url[-1]
        # A closing bracket that closes one opened inside the URL is part of it (Wikipedia-style paths).
        if last in _OPENERS and url.count(_OPENERS[last]) >= url.count(last):
            break
        url = url[:-1]
    return url


@dataclass(frozen=True, slots=True)
class _Parts:
    scheme: str
    host: str
    path: list[str]
    query: str
    slash: bool  # the path ends with "/"


def _split(url: str) -> _Parts | None:
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    path = [segment for segment in parts.path.split("/") if segment]
    return _Parts(parts.scheme.lower(), host, path, parts.query, parts.path.endswith("/"))


def _repo_name(name: str) -> str:
    return name[:-4] if name.lower().endswith(".git") else name


def code_link(url: str) -> CodeLink | None:
    """The repository ``url`` points into (any depth), or None when it is not a repository link."""
    parts = _split(url)
    if parts is None:
        return None
    host, path = parts.host, parts.path
    if host in _CODE_HOSTS:
        kind = _CODE_HOSTS[host]
        if kind is Host.gitlab:
            # GitLab nests groups: the project is everything before "/-/" (its pages) or a tree/blob path.
            stop = next((i for i, s in enumerate(path) if s in ("-", "tree", "blob", "issues", "wikis")), len(path))
            path = path[:stop]
        else:
            path = path[:2]
        if len(path) < 2 or (kind is Host.github and path[0].lower() in _GITHUB_RESERVED):
            return None
        path[-1] = _repo_name(path[-1])
        if not all(re.fullmatch(r"[A-Za-z0-9_.-]+", s) for s in path) or path[-1] in ("", ".", ".."):
            return None
        return CodeLink(kind, f"https://{host}/" + "/".join(path))
    if host == "huggingface.co" and path:
        if path[0] in _HF_KINDS:
            repo = path[:3]
        elif path[0].lower() in _HF_RESERVED:
            return None
        else:
            repo = path[:2]
        if len(repo) < (3 if path[0] in _HF_KINDS else 2):
            return None
        return CodeLink(Host.huggingface, "https://huggingface.co/" + "/".join(repo))
    return None


def project_page(url: str) -> str | None:
    """``url`` as a project page (normalised), or None for code hosts, the paper's own records and the like."""
    parts = _split(url)
    if parts is None:
        return None
    host, path = parts.host, parts.path
    if host in _CODE_HOSTS or host == "huggingface.co":
        return None
    labels = host.split(".")
    if any(".".join(labels[i:]) in _NOT_PROJECT_PAGES for i in range(len(labels))):
        return None
    if path and path[-1].lower().endswith((".pdf", ".zip", ".tar", ".gz")):
        return None
    # Scheme and path as written (adding or removing a slash can break a page); the fragment is dropped.
    page = f"{parts.scheme}://{host}/" + "/".join(path) + ("/" if parts.slash and path else "")
    return f"{page}?{parts.query}" if parts.query else page


def extract_links(texts: Iterable[str | None]) -> Links:
    """Code repositories and project pages named in ``texts`` (abstract first), first mention first, once each."""
    code: dict[str, CodeLink] = {}
    pages: dict[str, str] = {}
    for text in texts:
        if not text:
            continue
        # LaTeX leftovers: \url{…} and \href{…}{…} keep their URL inside braces, which the pattern stops at.
        for url in find_urls(text.replace("\\_", "_").replace("\\~", "~").replace("\\%", "%")):
            link = code_link(url)
            if link is not None:
                code.setdefault(link.key, link)
                continue
            page = project_page(url)
            if page is not None:
                pages.setdefault(page.casefold(), page)
    return Links(tuple(code.values()), tuple(pages.values()))


def same_repo(a: str | None, b: str | None) -> bool:
    """True when ``a`` and ``b`` name the same repository (any spelling, any depth)."""
    if not a or not b:
        return False
    left, right = code_link(a), code_link(b)
    return left is not None and right is not None and left.key == right.key

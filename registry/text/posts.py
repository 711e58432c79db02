"""What every reader of a social-media post strips, written once: the "RT @user:" prefix of an
old-style retweet, and links, e-mail addresses and @mentions.

Dedup keys (harvest), the classifier's normalization, the near-copy groups of its
cross-validation and the verbatim check before publication (services) all read posts through
these, so they agree on what a retweet and a link are.
"""

from __future__ import annotations

import re

__all__ = [
    "RT_PREFIX_RE",
    "is_rt_text",
    "retweeted_handle",
    "strip_links_and_mentions",
    "strip_repost_prefix",
    "strip_urls",
]

#: "RT @user:" (possibly repeated, colon and spaces optional) at the start of a retweet; the
#: first group is the first handle, the account whose post was retweeted.
RT_PREFIX_RE = re.compile(r"^\s*RT\s*@(\w+)\s*:?\s*(?:RT\s*@\w+\s*:?\s*)*", re.IGNORECASE)

# URLs with a scheme (also cut short: "https://t", "http…"), www., and domain/path forms
# ("bit.ly/x", "t.co/x"). A bare domain without a path ("covid19.go.id") is kept as words.
_URL_RE = re.compile(r"\bhttps?(?::|…)\S*|\bwww\.\S+", re.IGNORECASE)
# sought only where a "/" is left, since it is tried at every word
_DOMAIN_PATH_RE = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION_RE = re.compile(r"(?<![\w@])@\w+")


def strip_repost_prefix(text: str) -> str:
    """The text without a leading "RT @user:" (for showing a repost as its original)."""
    return RT_PREFIX_RE.sub("", text, count=1).strip() if text else ""


def is_rt_text(text: str) -> bool:
    """An old-style retweet: "RT @user: text"."""
    return bool(text) and RT_PREFIX_RE.match(text) is not None


def retweeted_handle(text: str) -> str | None:
    """The handle an old-style retweet names first ("RT @KemenkesRI: ..." -> "KemenkesRI")."""
    found = RT_PREFIX_RE.match(text)
    return found.group(1) if found else None


def strip_urls(text: str) -> str:
    """``text`` with every URL with a scheme or www. replaced by a space."""
    # a URL holds "http" or "www." in some case, so one of these: plain substring tests, much
    # cheaper than the regular expression on the many posts without a link
    if "tp" in text or "TP" in text or "tP" in text or "Tp" in text or "w." in text or "W." in text:
        text = _URL_RE.sub(" ", text)
    return text


def strip_links_and_mentions(text: str, *, emails: bool = True) -> str:
    """``text`` with every URL, domain/path link, @mention and (unless ``emails`` is False,
    as dedup keys keep them as words) e-mail address replaced by a space (the words around
    them stay apart)."""
    text = strip_urls(text)
    if "/" in text:
        text = _DOMAIN_PATH_RE.sub(" ", text)
    if "@" in text:
        text = _MENTION_RE.sub(" ", _EMAIL_RE.sub(" ", text) if emails else text)
    return text

"""Turning profile fields into arrays: sets as sparse indicator matrices, scalars as codes, text as tokens.

Scorers work on whole blocks (mentees x mentors) at once; these helpers do
the per-person Python work once per person, so the per-pair work is numpy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import sparse

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Only the commonest English and Danish filler words: free-text interests are short.
STOP_WORDS = frozenset({
    "and", "the", "for", "with", "that", "this", "from", "are", "was", "were", "have", "has", "had", "not", "but",
    "you", "your", "our", "about", "into", "over", "more", "most", "some", "such", "than", "then", "them", "they",
    "their", "there", "what", "when", "where", "which", "who", "why", "how", "all", "any", "can", "will", "would",
    "also", "og", "det", "der", "til", "med", "som", "har", "ikke", "men", "jeg", "mig", "vil", "kan", "var", "fra",
    "hvor", "hvad", "eller", "også", "meget",
})


def normalise(value: Any) -> str:
    """A comparable key for one value: text is trimmed and case-folded, numbers and booleans as text."""
    if isinstance(value, str):
        return value.strip().casefold()
    return str(value).casefold()


def as_set(value: Any) -> frozenset[str]:
    """A field's value as a set of keys: lists give their items, a scalar itself, missing nothing."""
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(normalise(v) for v in value if v is not None and not isinstance(v, dict | list))
    if isinstance(value, dict):
        return frozenset()
    return frozenset({normalise(value)})


def tokens(value: Any) -> frozenset[str]:
    """The words of a free text (3+ letters, case-folded, common filler words dropped)."""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return frozenset()
    return frozenset(w for w in _WORD.findall(value.casefold()) if w not in STOP_WORDS)


def indicators(left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]
               ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Binary CSR matrices (people x vocabulary) for two lists of sets over one shared vocabulary."""
    vocabulary: dict[str, int] = {}
    matrices = []
    for sets in (left, right):
        rows: list[int] = []
        cols: list[int] = []
        for i, items in enumerate(sets):
            for item in items:
                rows.append(i)
                cols.append(vocabulary.setdefault(item, len(vocabulary)))
        matrices.append((rows, cols))
    width = max(1, len(vocabulary))
    out = []
    for (rows, cols), sets in zip(matrices, (left, right), strict=True):
        data = np.ones(len(rows), dtype=np.float32)
        out.append(sparse.csr_matrix((data, (rows, cols)), shape=(len(sets), width), dtype=np.float32))
    return out[0], out[1]


def overlap_counts(left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(intersection sizes (m x n), left set sizes (m,), right set sizes (n,))``."""
    a, b = indicators(left, right)
    # A sparse product of indicators counts shared items for every pair at once.
    inter = (a @ b.T).toarray() if a.nnz and b.nnz else np.zeros((len(left), len(right)), dtype=np.float32)
    return (inter.astype(np.float64), np.asarray(a.sum(axis=1)).ravel().astype(np.float64),
            np.asarray(b.sum(axis=1)).ravel().astype(np.float64))


def codes(left: Iterable[Any], right: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for scalar values over one shared dictionary; -1 where missing."""
    dictionary: dict[str, int] = {}
    out = []
    for values in (left, right):
        row = []
        for v in values:
            row.append(-1 if v is None or isinstance(v, list | dict) else dictionary.setdefault(normalise(v),
                                                                                                len(dictionary)))
        out.append(np.asarray(row, dtype=np.int64))
    return out[0], out[1]


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0."""
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=np.broadcast_to(denominator > 0, out.shape))
    return out


DENSE_CELLS = 50_000_000
"""Largest vocabulary x mentors indicator kept dense (float32, 200 MB): a BLAS product then counts overlaps."""


class SetIndex:
    """One side's sets (the mentors', built once per run) for counting overlaps with blocks of the other side.

    Items only the other side has cannot be shared, so they only count in
    that side's set sizes.
    """

    def __init__(self, sets: Sequence[frozenset[str]]) -> None:
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for j, items in enumerate(sets):
            for item in items:
                rows.append(self.vocabulary.setdefault(item, len(self.vocabulary)))
                cols.append(j)
        width = max(1, len(self.vocabulary))
        matrix = sparse.csc_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(width, len(sets)))
        self.sizes = np.asarray(matrix.sum(axis=0)).ravel().astype(np.float64)
        # Small vocabularies (languages, skills, days) multiply fastest dense; free text stays sparse. Row-major:
        # scipy's sparse @ dense flattens its dense operand, and a column-major one (what csc.toarray gives) would
        # be copied whole on every block.
        self.matrix: Any = np.ascontiguousarray(matrix.toarray()) if width * len(sets) <= DENSE_CELLS else matrix

    def counts(self, sets: Sequence[frozenset[str]], columns: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(intersection sizes (len(sets) x columns), float32, sizes of ``sets``, sizes of the columns' sets)``."""
        rows: list[int] = []
        cols: list[int] = []
        for i, items in enumerate(sets):
            for item in items:
                k = self.vocabulary.get(item)
                if k is not None:
                    rows.append(i)
                    cols.append(k)
        left_size = np.fromiter((len(s) for s in sets), dtype=np.float64, count=len(sets))
        right = self.matrix if columns is None else self.matrix[:, columns]
        right_size = self.sizes if columns is None else self.sizes[columns]
        if not rows:
            return np.zeros((len(sets), right.shape[1]), dtype=np.float32), left_size, right_size
        left = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                 shape=(len(sets), right.shape[0]))
        inter = left @ right
        # float32, as the product gives it: shared items are small whole numbers, exact in float32 (up to 2**24),
        # and a float64 copy of every block was a sixth of the scoring's time.
        inter = inter.toarray() if sparse.issparse(inter) else np.asarray(inter)
        return inter, left_size, right_size

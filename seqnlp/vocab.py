"""Token <-> id mapping with fixed padding and unknown ids, stored as plain JSON data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1


class Vocab:
    """An ordered vocabulary; id 0 pads, id 1 stands for every unknown item.

    Args:
        items: the known items, most useful first; duplicates and the reserved
            symbols are dropped.
        specials: whether to reserve ids 0 and 1 (label sets need no padding/unknown).
    """

    def __init__(self, items: Iterable[str], specials: bool = True) -> None:
        self.specials = specials
        reserved = [PAD, UNK] if specials else []
        self.itos: list[str] = list(reserved)
        seen = set(reserved)
        for item in items:
            if item not in seen:
                seen.add(item)
                self.itos.append(item)
        self.stoi = {item: i for i, item in enumerate(self.itos)}

    @classmethod
    def build(cls, tokens: Iterable[str], min_count: int = 1, max_size: int | None = None) -> Vocab:
        """Count ``tokens`` and keep those seen ``min_count`` times, most frequent first."""
        counts = Counter(tokens)
        kept = [t for t, c in counts.most_common(max_size) if c >= min_count]
        return cls(kept)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, item: str) -> bool:
        return item in self.stoi

    def __getitem__(self, item: str) -> int:
        if self.specials:
            return self.stoi.get(item, UNK_ID)
        return self.stoi[item]

    def encode(self, items: Iterable[str]) -> list[int]:
        return [self[item] for item in items]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[i] for i in ids]

    def to_dict(self) -> dict:
        return {"items": self.itos[2:] if self.specials else self.itos, "specials": self.specials}

    @classmethod
    def from_dict(cls, data: dict) -> Vocab:
        return cls(data["items"], specials=data.get("specials", True))

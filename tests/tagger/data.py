"""Tiny inline CoNLL-U data and a tiny trained tagger, shared by the tagger tests."""

from __future__ import annotations

from pathlib import Path

SENTENCES = [
    "I/PRON/PRP saw/VERB/VBD a/DET/DT saw/NOUN/NN ./PUNCT/.",
    "The/DET/DT dog/NOUN/NN barked/VERB/VBD ./PUNCT/.",
    "She/PRON/PRP has/VERB/VBZ a/DET/DT cat/NOUN/NN ./PUNCT/.",
    "We/PRON/PRP like/VERB/VBP the/DET/DT old/ADJ/JJ house/NOUN/NN ./PUNCT/.",
    "Dogs/NOUN/NNS run/VERB/VBP fast/ADV/RB !/PUNCT/.",
    "They/PRON/PRP saw/VERB/VBD the/DET/DT big/ADJ/JJ dog/NOUN/NN ./PUNCT/.",
    "A/DET/DT saw/NOUN/NN cuts/VERB/VBZ wood/NOUN/NN ./PUNCT/.",
    "You/PRON/PRP can/AUX/MD see/VERB/VB two/NUM/CD cats/NOUN/NNS ./PUNCT/.",
    "John/PROPN/NNP lives/VERB/VBZ in/ADP/IN Paris/PROPN/NNP ./PUNCT/.",
    "It/PRON/PRP is/AUX/VBZ very/ADV/RB good/ADJ/JJ ./PUNCT/.",
    "I/PRON/PRP do/AUX/VBP n't/PART/RB know/VERB/VB ./PUNCT/.",
    "The/DET/DT cat/NOUN/NN sleeps/VERB/VBZ and/CCONJ/CC the/DET/DT dog/NOUN/NN "
    "runs/VERB/VBZ ./PUNCT/.",
]


def conllu(sentences: list[str] = SENTENCES, prefix: str = "s") -> str:
    """CoNLL-U text with ``# sent_id`` and ``# text`` for ``word/UPOS/XPOS`` sentences."""
    blocks = []
    for n, sentence in enumerate(sentences, start=1):
        triples = [token.rsplit("/", 2) for token in sentence.split()]
        text = " ".join(w for w, _, _ in triples).replace(" .", ".").replace(" !", "!")
        text = text.replace(" n't", "n't")
        rows = [f"# sent_id = {prefix}-{n}", f"# text = {text}"]
        for i, (word, upos, xpos) in enumerate(triples, start=1):
            rows.append(f"{i}\t{word}\t_\t{upos}\t{xpos}\t_\t{max(i - 1, 0)}\tdep\t_\t_")
        blocks.append("\n".join(rows) + "\n")
    return "\n".join(blocks) + "\n"


def write_data(directory: Path) -> tuple[Path, Path]:
    """train.conllu (the sentences three times) and dev.conllu in ``directory``."""
    train = directory / "train.conllu"
    dev = directory / "dev.conllu"
    train.write_text(conllu(SENTENCES * 3), encoding="utf-8")
    dev.write_text(conllu(SENTENCES[:6], prefix="d"), encoding="utf-8")
    return train, dev


def tiny_cli_args(train: Path, dev: Path, output: Path, epochs: int = 2, batch: int = 8):
    """``seqnlp train-tagger`` arguments for a tiny GRU tagger that trains in about a second."""
    return [
        "train-tagger",
        "--train", str(train),
        "--dev", str(dev),
        "--embeddings", "none",
        "--hidden", "8",
        "--word-dim", "8",
        "--char-features", "4",
        "--layers", "1",
        "--cell", "gru",
        "--epochs", str(epochs),
        "--batch-size", str(batch),
        "--output", str(output),
        "--no-progress",
    ]  # fmt: skip


def tiny_config(**changes):
    from seqnlp.tagger import TaggerConfig

    settings = dict(hidden=24, word_dim=16, char_dim=6, char_features=8, layers=1, dropout=0.1)
    settings.update(changes)
    return TaggerConfig(**settings)


def train_tiny(
    directory: Path,
    output: Path | None = None,
    epochs: int = 2,
    seed: int = 1,
    run: dict | None = None,
    **changes,
):
    """Train a tiny tagger for ``epochs`` epochs (under a second); returns (tagger, result).

    ``changes`` change the network, ``run`` adds arguments of ``train`` (``silver=...``)."""
    import torch

    from seqnlp.tagger import train as train_tagger
    from seqnlp.training import TrainConfig

    train, dev = write_data(directory)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: a second thread only spins on a busy machine
    try:
        return train_tagger(
            output=output or directory / "tagger",
            train=train,
            dev=dev,
            embeddings=None,
            config=tiny_config(**changes),
            train_config=TrainConfig(epochs=epochs, batch_size=8, lr=0.01, patience=0, seed=seed),
            overwrite=True,
            progress=False,
            **(run or {}),
        )
    finally:
        torch.set_num_threads(threads)

"""How text becomes a text encoder's input: its own tokenizer, truncated at a recorded maximum length.

Texts are tokenized once into an int64 tensor (N, 2, max_length): row 0 the token ids, row 1 the attention mask.
Everything that moves images around (splits, batches, the feature cache) moves these tensors unchanged; the encoder
drops the padding columns that no text of a batch uses, so batches are padded only to their longest text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from ..errors import DataError
from .preprocessing import Preprocessing

TOKENIZER_FOLDER = "tokenizer"  # where a saved model keeps its tokenizer's files
DEFAULT_MAX_LENGTH = 128


@lru_cache(maxsize=8)
def _tokenizer(folder: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder)
    except (OSError, ValueError) as e:
        raise DataError(f"Cannot load the tokenizer in {folder} ({str(e).splitlines()[0]}); pass a model "
                        "directory that holds its tokenizer files.") from None


def tokenizer_digest(folder: str | Path) -> str:
    """sha256 (16 hex) of the tokenizer's files, so a recorded run names exactly the vocabulary it used."""
    h = hashlib.sha256()
    for path in sorted(Path(folder).iterdir()):
        if path.is_file() and (path.name.startswith(("tokenizer", "special_tokens", "vocab", "merges"))
                               or path.suffix == ".model"):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class TextPreprocessing(Preprocessing):
    """A tokenizer (the files in `tokenizer`) and the maximum number of tokens per text (longer texts are cut)."""

    tokenizer: str = ""
    max_length: int = DEFAULT_MAX_LENGTH
    tokenizer_sha256: str = ""

    kind = "text"

    @classmethod
    def of_folder(cls, folder: str | Path, max_length: int = DEFAULT_MAX_LENGTH) -> TextPreprocessing:
        return cls(input_size=(2, 1, int(max_length)), mean=(), std=(), tokenizer=str(folder),
                   max_length=int(max_length), tokenizer_sha256=tokenizer_digest(folder))

    @classmethod
    def from_dict(cls, d: dict, folder: str | Path | None = None) -> TextPreprocessing:
        saved = Path(folder) / TOKENIZER_FOLDER if folder is not None else None
        where = saved if saved is not None and saved.is_dir() else Path(str(d["tokenizer"]))
        return cls.of_folder(where, int(d.get("max_length", DEFAULT_MAX_LENGTH)))

    def to_dict(self) -> dict:
        return {"kind": "text", "tokenizer": self.tokenizer, "tokenizer_sha256": self.tokenizer_sha256,
                "max_length": self.max_length, "pad_token_id": self.pad_token_id}

    def fingerprint(self) -> str:
        return hashlib.sha256(f"text|{self.tokenizer_sha256}|{self.max_length}".encode()).hexdigest()[:16]

    def with_input_size(self, size: int) -> TextPreprocessing:
        return self

    def with_max_length(self, max_length: int) -> TextPreprocessing:
        return TextPreprocessing.of_folder(self.tokenizer, max_length)

    def write_files(self, folder: Path) -> None:
        """Save the tokenizer beside a saved model, so that the model directory is complete."""
        self.tokenizer_object().save_pretrained(str(folder / TOKENIZER_FOLDER))

    def tokenizer_object(self):
        return _tokenizer(self.tokenizer)

    @property
    def pad_token_id(self) -> int:
        pad = self.tokenizer_object().pad_token_id
        return int(pad) if pad is not None else 0

    def tokenize(self, texts: list[str]) -> torch.Tensor:
        """int64 (N, 2, max_length): token ids and attention mask of each text, padded to max_length."""
        out = torch.zeros((len(texts), 2, self.max_length), dtype=torch.int64)
        if not texts:
            return out
        encoded = self.tokenizer_object()(list(texts), truncation=True, max_length=self.max_length,
                                          padding="max_length", return_tensors="pt")
        out[:, 0] = encoded["input_ids"]
        out[:, 1] = encoded["attention_mask"]
        return out

    def decode(self, tokens: torch.Tensor) -> str:
        """The text of one token tensor (2, L), as the model read it (cut at max_length)."""
        ids = tokens[0][tokens[1].bool()].tolist()
        return self.tokenizer_object().decode(ids, skip_special_tokens=True)

    def resize_crop(self, images: torch.Tensor) -> torch.Tensor:
        return images

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """Token tensors go to the network as they are."""
        return images


def preprocessing_from_dict(d: dict, folder: str | Path | None = None) -> Preprocessing:
    """The preprocessing a saved dict describes: text (a tokenizer) or images."""
    if d.get("kind") == "text":
        return TextPreprocessing.from_dict(d, folder)
    return Preprocessing.from_dict(d)


def readable(items, preprocessing: Preprocessing):
    """Items as a person reads them: token tensors decoded to text (as the model saw them), images unchanged."""
    if not is_text(preprocessing):
        return items
    return [preprocessing.decode(tokens) for tokens in items]


def is_text(preprocessing: Preprocessing) -> bool:
    return getattr(preprocessing, "kind", "images") == "text"

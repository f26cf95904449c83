"""Triage suggestions: category, level and team for a new ticket, learnt from the
organization's own resolved tickets with scikit-learn (TF-IDF on words and character n-grams,
which copes with Spanish and English alike without stemmers; one logistic regression per
target). No external service: the model is a file under var/ (ESCALA_TRIAGE_MODEL_PATH).

Labels are stored as stable names (category code, level number, team name), not ids, so a
model survives a database reload and can be evaluated on hand-written requests.
"""

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

TARGETS = ("category", "tier", "team")
MIN_EXAMPLES = 10


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    tier: str
    team: str

    def label(self, target: str) -> str:
        return getattr(self, target)


@dataclass(frozen=True)
class Guess:
    label: str
    confidence: float


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    strip_accents="unicode", lowercase=True, ngram_range=(1, 2), sublinear_tf=True
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    strip_accents="unicode",
                    lowercase=True,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=1,
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(C=10, max_iter=2000))])


class TriageModel:
    def __init__(self, pipelines: dict[str, Any], trained_at: str, examples: int) -> None:
        self.pipelines = pipelines
        self.trained_at = trained_at
        self.examples = examples

    @classmethod
    def train(cls, examples: list[Example], *, trained_at: str = "") -> "TriageModel":
        if len(examples) < MIN_EXAMPLES:
            raise ValueError(f"At least {MIN_EXAMPLES} resolved tickets are needed to train.")
        texts = [e.text for e in examples]
        pipelines: dict[str, Any] = {}
        for target in TARGETS:
            labels = [e.label(target) for e in examples]
            if len(set(labels)) < 2:
                pipelines[target] = labels[0]  # only one answer seen: always that one
                continue
            pipelines[target] = _pipeline().fit(texts, labels)
        return cls(pipelines, trained_at or datetime.now().astimezone().isoformat(), len(examples))

    def predict(self, texts: list[str]) -> list[dict[str, Guess]]:
        results: list[dict[str, Guess]] = [{} for _ in texts]
        for target, pipe in self.pipelines.items():
            if isinstance(pipe, str):
                for r in results:
                    r[target] = Guess(pipe, 1.0)
                continue
            probabilities = pipe.predict_proba(texts)
            classes = pipe.classes_
            for r, row in zip(results, probabilities, strict=True):
                best = int(row.argmax())
                r[target] = Guess(str(classes[best]), float(row[best]))
        return results

    def save(self, path: Path) -> None:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        joblib.dump(
            {"pipelines": self.pipelines, "trained_at": self.trained_at, "n": self.examples}, tmp
        )
        tmp.replace(path)  # readers never see a half-written model

    @classmethod
    def load(cls, path: Path) -> "TriageModel":
        import joblib

        data = joblib.load(path)  # noqa: S301 - our own file under var/, written by save()
        return cls(data["pipelines"], data["trained_at"], data["n"])


_cache: dict[str, Any] = {}
_lock = threading.Lock()


def current_model() -> TriageModel | None:
    """The trained model on disk, reloaded when the file changes; None before any training."""
    path = Path(settings.ESCALA_TRIAGE_MODEL_PATH)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    with _lock:
        if _cache.get("path") != str(path) or _cache.get("mtime") != mtime:
            _cache.update(path=str(path), mtime=mtime, model=TriageModel.load(path))
        return _cache["model"]

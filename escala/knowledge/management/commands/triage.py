"""`escala triage train | evaluate`: the triage model, trained and measured offline."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escala.knowledge.triage import TARGETS, TriageModel
from escala.knowledge.triage.data import csv_examples, history_examples


class Command(BaseCommand):
    help = "Train the triage model on the resolved history, or report its accuracy."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="Train on resolved tickets and save under var/.")
        train.add_argument("--limit", type=int, default=None, help="Newest N tickets only.")
        evaluate = sub.add_parser("evaluate", help="Print accuracy on held-out data.")
        evaluate.add_argument("--csv", default="data/triage/requests.csv")
        evaluate.add_argument("--test-size", type=float, default=0.2)
        evaluate.add_argument("--seed", type=int, default=7)
        evaluate.add_argument("--limit", type=int, default=None)

    def handle(self, *args, **options):
        if options["action"] == "train":
            from escala.knowledge.triage.service import train_from_history

            try:
                model = train_from_history(limit=options["limit"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Trained on {model.examples} resolved tickets.")
            return
        self.evaluate(options)

    def evaluate(self, options):
        from sklearn.model_selection import StratifiedKFold, train_test_split

        history = history_examples(options["limit"])
        if len(history) >= 20:
            labels = [e.category for e in history]
            stratify = labels if min(labels.count(x) for x in set(labels)) >= 2 else None
            train, test = train_test_split(
                history, test_size=options["test_size"], random_state=options["seed"],
                stratify=stratify,
            )  # fmt: skip
            model = TriageModel.train(train)
            self.stdout.write(
                f"Demo history: {len(history)} resolved tickets, trained on {len(train)}, "
                f"held out {len(test)}"
            )
            self._report(model, test, TARGETS)
        else:
            model = None
            self.stdout.write("Demo history: too few resolved tickets (run `escala demo`).")

        path = Path(options["csv"])
        if not path.exists():
            raise CommandError(f"No labelled set at {path}")
        written = csv_examples(path)
        self.stdout.write(f"Hand-written set: {len(written)} requests ({path})")
        if model is not None:
            whole = TriageModel.train(history)
            self.stdout.write("  trained on the whole demo history, tested on the set:")
            self._report(whole, written, ("category",))
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=options["seed"])
        labels = [e.category for e in written]
        right = 0
        for train_idx, test_idx in folds.split(written, labels):
            fold_model = TriageModel.train([written[i] for i in train_idx])
            guesses = fold_model.predict([written[i].text for i in test_idx])
            right += sum(
                g["category"].label == written[i].category
                for g, i in zip(guesses, test_idx, strict=True)
            )
        self.stdout.write(
            f"  5-fold cross-validation within the set: category accuracy "
            f"{right / len(written):.1%} ({right}/{len(written)})"
        )

    def _report(self, model: TriageModel, examples, targets) -> None:
        guesses = model.predict([e.text for e in examples])
        for target in targets:
            right = sum(
                g[target].label == e.label(target) for g, e in zip(guesses, examples, strict=True)
            )
            self.stdout.write(
                f"  {target}: accuracy {right / len(examples):.1%} ({right}/{len(examples)})"
            )

"""Synthetic questionnaire exports for the benchmark, generated from the codebook.

Every answer is drawn with the frequencies of the shipped export
(``data/raw/responses.xlsx``), read through the library itself
(``dmp_survey.validation.validate(...).coded`` then ``describe``): for each
question, the distribution of its answer codes *among the respondents it was
asked to*, blanks ("(missing)") included. Questions are drawn in codebook
order, so that a conditional question is blank exactly when its ``asked_if``
condition does not hold (evaluated with ``dmp_survey.coding.evaluate`` on the
codes drawn so far, as ``tests/exports.random_respondent`` does one respondent
at a time). Questions are drawn independently of each other otherwise: the
marginal frequencies match the shipped export, the associations between
questions do not (irrelevant to timing).

The files look like the form's own export: the same header row (``Horodateur``,
then every question text of the codebook, the contact column last and blank),
the French answer labels, and a timestamp column. Per format:

* CSV: comma separated, UTF-8, every non-blank field quoted; the timestamp
  written like a French Google-Forms CSV export, ``21/12/2018 10:15:32``; the
  Likert answer as ``3``.
* Parquet: the same strings (every column a string column, blanks null), as a
  CSV export converted to Parquet would hold them.
* xlsx: like the shipped workbook: timestamp as a date-time cell, Likert as a
  number, labels as strings; written with openpyxl's write-only mode.

Files are cached under ``bench/data/`` (git-ignored) with a ``.json`` sidecar
holding the parameters they were made from; a file is regenerated when the
sidecar does not match.

Usage: ``python bench/synthetic.py N [N ...] [--formats csv,parquet,xlsx]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dmp_survey.config import DEFAULT_CODEBOOK, DEFAULT_RAW
from dmp_survey.io.coding import evaluate
from dmp_survey.io.validation import validate
from dmp_survey.stats.describe import MISSING, describe
from dmp_survey.study.codebook import Codebook, QuestionType, load_codebook

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
GENERATOR_VERSION = 1
SEED = 20181221
SHEET = "Réponses au formulaire 1"
TIMESTAMP_HEADER = "Horodateur"
FORMATS = ("csv", "parquet", "xlsx")


class Model:
    """What the generator draws from: per question, its codes and their
    frequencies among the respondents asked; the free-text answers; the
    timestamp range of the shipped export."""

    def __init__(self, raw_path: Path = DEFAULT_RAW, codebook_path: Path = DEFAULT_CODEBOOK) -> None:
        self.codebook: Codebook = load_codebook(codebook_path)
        report = validate(raw_path, self.codebook)
        coded = report.coded
        table = describe(coded)
        self.frequencies: dict[str, tuple[list[str], np.ndarray]] = {}
        for variable, sub in table.groupby("variable", sort=False):
            if variable not in self.codebook:
                continue  # derived variables are recomputed by the coding stage
            levels = [str(lv) for lv in sub["level"]]
            n = sub["n"].to_numpy(dtype=np.float64)
            probs = n / n.sum() if n.sum() else np.full(len(n), 1.0 / len(n))
            self.frequencies[str(variable)] = (levels, probs)
        # Free text: the answers of the shipped export, drawn uniformly, with its
        # share of blanks among those asked.
        self.free_text: dict[str, tuple[list[str], float]] = {}
        frame = coded.frame
        from dmp_survey.io.coding import asked_mask

        for q in self.codebook.data_questions:
            if q.type is not QuestionType.FREE_TEXT or q.id not in frame:
                continue
            asked = asked_mask(q, frame)
            values = frame.loc[asked, q.id]
            answered = [str(v) for v in values.dropna()]
            blank = 1.0 - len(answered) / max(int(asked.sum()), 1)
            self.free_text[q.id] = (answered or ["via la hotline"], blank)
        stamps = frame["timestamp"].dropna() if "timestamp" in frame else pd.Series(dtype="datetime64[ns]")
        self.t_first = stamps.min() if len(stamps) else pd.Timestamp("2018-12-21 09:00:00")
        self.t_last = stamps.max() if len(stamps) else pd.Timestamp("2019-03-31 18:00:00")

    def fingerprint(self) -> dict[str, Any]:
        """What a generated file depends on: the generator, the seed and the
        model's content (frequencies, labels, headers, free texts, time range),
        not the bytes of the files it was read from, so that an edit of the
        codebook that changes none of these keeps the cache."""
        content = {
            "frequencies": {
                k: [lv, [round(float(p), 12) for p in pr]] for k, (lv, pr) in self.frequencies.items()
            },
            "labels": {q.id: [str(v) for v in self.labels(q.id)] for q in self.codebook.data_questions},
            "headers": self.headers(
                [q.id for q in self.codebook.questions if q.type is not QuestionType.PII]
            ),
            "free_text": self.free_text,
            "time_range": [str(self.t_first), str(self.t_last)],
        }
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return {"generator_version": GENERATOR_VERSION, "seed": SEED, "model_sha256": digest}

    # -- drawing ---------------------------------------------------------------

    def draw(self, n: int, seed: int = SEED) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
        """Return (column ids in export order, id → integer index into the
        question's label list with -1 for blank, timestamps as datetime64[s])."""
        rng = np.random.default_rng(seed)
        codes: dict[str, pd.Series] = {}
        index: dict[str, np.ndarray] = {}
        order: list[str] = []
        for q in self.codebook.questions:
            if q.type is QuestionType.PII:
                continue
            order.append(q.id)
            asked = (
                np.ones(n, dtype=bool)
                if q.asked_if is None
                else np.asarray(evaluate(q.asked_if, codes), dtype=bool)  # type: ignore[arg-type, unused-ignore]
            )
            idx = np.full(n, -1, dtype=np.int16)
            k = int(asked.sum())
            if q.is_categorical:
                levels, probs = self.frequencies[q.id]
                drawn = rng.choice(len(levels), size=k, p=probs).astype(np.int16)
                if levels[-1] != MISSING:  # describe puts "(missing)" last
                    raise RuntimeError(f"unexpected level order for {q.id}: {levels}")
                drawn[drawn == len(levels) - 1] = -1
                idx[asked] = drawn
                codes[q.id] = pd.Series(pd.Categorical.from_codes(idx, categories=levels[:-1]))
            elif q.type is QuestionType.FREE_TEXT:
                texts, blank = self.free_text.get(q.id, (["via la hotline"], 0.0))
                drawn = rng.integers(0, len(texts), size=k).astype(np.int16)
                drawn[rng.random(k) < blank] = -1
                idx[asked] = drawn
                codes[q.id] = pd.Series(pd.Categorical.from_codes(idx, categories=texts))
            index[q.id] = idx
        span = int((self.t_last - self.t_first).total_seconds())
        offsets = np.sort(rng.integers(0, max(span, 1), size=n))
        stamps = np.datetime64(self.t_first.to_pydatetime(), "s") + offsets.astype("timedelta64[s]")
        return order, index, stamps

    def labels(self, qid: str) -> list[Any]:
        """The French labels of a question, in the order ``draw`` indexes them."""
        q = self.codebook[qid]
        if q.is_categorical:
            levels, _ = self.frequencies[qid]
            return [q.answer(lv).fr for lv in levels if lv != MISSING]
        return self.free_text.get(qid, (["via la hotline"], 0.0))[0]

    def headers(self, order: list[str]) -> list[str]:
        contact = [q.text for q in self.codebook.questions if q.type is QuestionType.PII]
        return [TIMESTAMP_HEADER, *(self.codebook[qid].text for qid in order), *contact]


# -- writers -------------------------------------------------------------------


def _arrow_table(model: Model, n: int) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    order, index, stamps = model.draw(n)
    headers = model.headers(order)
    arrays = [pc.strftime(pa.array(stamps, type=pa.timestamp("s")), format="%d/%m/%Y %H:%M:%S")]
    for qid in order:
        idx = index[qid].astype(np.int32)
        dictionary = pa.array([str(v) for v in model.labels(qid)], type=pa.string())
        indices = pa.array(idx, mask=idx < 0)
        arrays.append(pa.DictionaryArray.from_arrays(indices, dictionary).dictionary_decode())
    arrays.append(pa.nulls(n, type=pa.string()))  # contact column, left blank
    return pa.Table.from_arrays(arrays, names=headers)


def write_csv(model: Model, n: int, path: Path) -> None:
    import pyarrow.csv as pcsv

    table = _arrow_table(model, n)
    options = pcsv.WriteOptions(include_header=True, delimiter=",", quoting_style="all_valid")
    pcsv.write_csv(table, path, write_options=options)


def write_parquet(model: Model, n: int, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(_arrow_table(model, n), path, compression="snappy")


def write_xlsx(model: Model, n: int, path: Path) -> None:
    from openpyxl import Workbook

    order, index, stamps = model.draw(n)
    headers = model.headers(order)
    columns: list[list[Any]] = [[datetime.fromisoformat(str(s)) for s in stamps.astype("datetime64[s]")]]
    for qid in order:
        q = model.codebook[qid]
        labels: list[Any] = list(model.labels(qid))
        if q.type is QuestionType.LIKERT:
            labels = [int(v) if str(v).isdigit() else v for v in labels]  # numbers, as the form writes them
        lookup = np.array([*labels, None], dtype=object)
        columns.append(lookup[index[qid]].tolist())  # -1 picks the None slot
    columns.append([None] * n)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append(headers)
    for row in zip(*columns, strict=True):
        ws.append(row)
    wb.save(path)


WRITERS = {"csv": write_csv, "parquet": write_parquet, "xlsx": write_xlsx}


def export_path(n: int, fmt: str) -> Path:
    return DATA / f"synthetic_{n}.{fmt}"


def ensure(n: int, fmt: str, model: Model | None = None, quiet: bool = False) -> tuple[Path, float | None]:
    """Path of the cached export of ``n`` respondents in ``fmt``, generated if
    missing or stale. Returns (path, generation seconds or None when cached)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = export_path(n, fmt)
    sidecar = path.with_suffix(path.suffix + ".json")
    model = model or Model()
    meta = {**model.fingerprint(), "n": n, "format": fmt}
    if path.exists() and sidecar.exists():
        try:
            if json.loads(sidecar.read_text())["params"] == meta:
                return path, None
        except (KeyError, ValueError):
            pass
    if not quiet:
        print(f"  generating {path.name} ...", file=sys.stderr, flush=True)
    tmp = path.with_name(path.name + ".tmp")
    start = time.perf_counter()
    # Written by a forked child: generating 10^7 rows takes gigabytes, and a
    # process keeps its peak resident size for life. The bench measures each
    # run's peak with wait4, and Linux starts a spawned child's peak at the
    # spawning process's own (exec records the peak of the memory it
    # replaces), so a bench that had generated the file in-process reported
    # 4.5 GB for a 1.7 GB run.
    child = multiprocessing.get_context("fork").Process(target=WRITERS[fmt], args=(model, n, tmp))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"bench: generating {path.name} failed (exit {child.exitcode})")
    seconds = time.perf_counter() - start
    tmp.replace(path)
    sidecar.write_text(
        json.dumps({"params": meta, "bytes": path.stat().st_size, "seconds": round(seconds, 3)}, indent=1)
    )
    return path, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--formats", default="csv,parquet,xlsx")
    args = parser.parse_args(argv)
    model = Model()
    for n in args.sizes:
        for fmt in args.formats.split(","):
            path, seconds = ensure(n, fmt, model)
            took = "cached" if seconds is None else f"{seconds:.1f} s"
            print(f"{path} ({path.stat().st_size / 1e6:.1f} MB, {took})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

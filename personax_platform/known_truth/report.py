"""The one-page markdown validation report of a known-truth dataset: per section what was planted and what the
platform recovered, the bounds with pass/fail, and the overall verdict."""
from __future__ import annotations

import math

import pandas as pd

from personax_platform.known_truth.metrics import AGGREGATED
from personax_platform.known_truth.validation import Validation
from personax_platform.traits.aggregate import ALL_TRAITS

TITLE = ("Known-truth validation — simulated raters on a generated cohort (fictional people; planted effects are "
         "arbitrary simulation parameters, not claims about people)")
NOT_RUN = "_Not computed: the analysis table was not given._"
MAX_LISTED = 12  # edges or pairs named in a line before "and N more"


def render_report(validation: Validation) -> str:
    """Markdown, sections in pipeline order, bounds last."""
    v = validation
    evaluation = v.evaluation
    failed = evaluation[~evaluation["passed"]]
    verdict = "PASS" if v.passed else "FAIL"
    lines = [
        f"# {TITLE}", "",
        (f"Dataset `{v.dataset}` ({v.kind}), {v.n_people:,} generated people. **Verdict: {verdict}** — "
         f"{int(evaluation['passed'].sum())} of {len(evaluation)} bounded metrics within their bounds."), "",
        *_scores(v), *_level1(v), *_graph(v), *_level2(v), *_bounds(evaluation, failed),
    ]
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:g}"
    return str(value)


def _table(frame: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    return [head, rule, *("| " + " | ".join(_fmt(v) for v in row) + " |" for row in frame.itertuples(index=False))]


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return (shown + f" and {len(items) - MAX_LISTED} more") if len(items) > MAX_LISTED else (shown or "none")


def _pair_names(rows: pd.DataFrame) -> list[str]:
    return [f"{trait}–{feature}" for trait, feature in zip(rows["trait"], rows["feature"])]


def _scores(v: Validation) -> list[str]:
    lines = ["## Trait scores", "",
             ("Planted: latent traits and their reference tertiles (1/2/3). Recovered: each rater's 0–3 scores and "
              "their median (aggregated), scored among the answered (non-zero) ones."), ""]
    if v.scores is None:
        return [*lines, NOT_RUN, ""]
    pooled = v.scores[v.scores["trait"] == ALL_TRAITS]
    per_trait = v.scores[(v.scores["model"] == AGGREGATED) & (v.scores["trait"] != ALL_TRAITS)]
    columns = ["trait", "accuracy", "spearman", "coverage", "hesitation_rate"]
    lines += _table(per_trait[columns].rename(columns={"trait": "aggregated: trait"})) + [""]
    lines += _table(pooled[["model", *columns[1:]]].rename(columns={"model": "all traits: model"})) + [""]
    if v.agreement is not None:
        row = v.agreement[v.agreement["trait"] == ALL_TRAITS].iloc[0]
        lines += [(f"Inter-rater agreement (all traits pooled): Krippendorff alpha "
                   f"{_fmt(row['krippendorff_alpha'])}, exact agreement {_fmt(row['exact_agreement'])}, mean Spearman "
                   f"{_fmt(row['mean_spearman'])}{' — ' + row['reason'] if row['reason'] else ''}."), ""]
    return lines


def _level1(v: Validation) -> list[str]:
    lines = ["## Level I: independence tests", ""]
    if v.level1 is None or v.level1_pairs is None:
        return [*lines, NOT_RUN, ""]
    aggregated = v.level1[v.level1["model"] == AGGREGATED]
    pairs = v.level1_pairs[v.level1_pairs["model"] == AGGREGATED].drop_duplicates(["trait", "feature"])
    lines += [(f"Planted: {int(pairs['dependent'].sum())} of {len(pairs)} trait × feature pairs are dependent "
               f"(d-connected in the planted DAG), {int(pairs['direct'].sum())} of them through a planted edge. "
               "Recovered, aggregated scores, significant after Benjamini–Hochberg:"), ""]
    columns = ["test", "power", "power_direct", "fdp", "found", "n_dependent", "false_discoveries", "discoveries",
               "n_not_tested", "n_not_applicable"]
    lines += _table(aggregated[columns]) + [""]
    per_model = v.level1[v.level1["model"] != AGGREGATED]
    if len(per_model):
        power = per_model.pivot(index="model", columns="test", values="power").reset_index()
        lines += ["Power per rater's own scores:", "", *_table(power), ""]
    kci = v.level1_pairs[(v.level1_pairs["model"] == AGGREGATED) & (v.level1_pairs["test"] == "kci")]
    missed, false = kci[kci["direct"] & ~kci["found"]], kci[kci["found"] & ~kci["dependent"]]
    lines += [(f"KCI, aggregated: planted edges missed: {_listed(_pair_names(missed))}; "
               f"false discoveries: {_listed(_pair_names(false))}."), ""]
    return lines


def _graph(v: Validation) -> list[str]:
    lines = ["## Level I: observed causal graph", ""]
    if v.graph is None:
        return [*lines, NOT_RUN, ""]
    values, edges = v.graph.values, v.graph.edges
    lines += [(f"Planted: the oracle graph (PC with d-separation in the planted DAG, same nodes and background "
               f"knowledge) has {int(values['oracle_edges'])} edges. Recovered: {int(values['estimated_edges'])} "
               f"edges; SHD {int(values['shd'])} (missing {int(values['missing'])}, extra {int(values['extra'])}, "
               f"misoriented {int(values['misoriented'])}), adjacency precision "
               f"{_fmt(values['adjacency_precision'])}, recall {_fmt(values['adjacency_recall'])}, orientation "
               f"precision {_fmt(values['orientation_precision'])}."), ""]
    for verdict, column in (("missing", "oracle"), ("extra", "estimate"), ("misoriented", "estimate")):
        rows = edges[edges["verdict"] == verdict]
        if len(rows):
            lines += [f"- {verdict}: {_listed(list(rows[column]))}"]
    return [*lines, ""]


def _level2(v: Validation) -> list[str]:
    lines = ["## Level II: text latents", ""]
    if v.level2 is None:
        return [*lines, NOT_RUN, ""]
    l2 = v.level2
    lines += [f"_{l2.caveat}_", "",
              f"Planted: the five latent traits. Recovered on {int(l2.values['n_heldout'])} held-out people "
              f"(regressions fitted on the {int(l2.values['n_train'])} not held out): MCC of the "
              f"{int(l2.values['n_text_latents'])} text latents {_fmt(l2.values['mcc'])}; linear R² from all "
              f"{int(l2.values['n_latents'])} latents {_fmt(l2.values['mean_r2'])} on average"
              + (f" — {l2.reason}" if l2.reason else "") + ".", ""]
    if len(l2.matches):
        table = l2.matches.merge(l2.r2, on="trait", how="left")
        lines += _table(table) + [""]
    return lines


def _bounds(evaluation: pd.DataFrame, failed: pd.DataFrame) -> list[str]:
    lines = ["## Bounds", "",
             ("Fixed in advance (personax_platform/known_truth/bounds.py gives each one's reason and the cohort "
              "sizes assumed). A metric that could not be computed fails."), ""]
    grouped = (evaluation.groupby(["section", "metric", "bound"], sort=False)
               .agg(scopes=("scope", "size"), lowest=("value", "min"), highest=("value", "max"),
                    passed=("passed", "sum")).reset_index())
    grouped["values"] = [_fmt(lo) if lo == hi or math.isnan(lo) else f"{_fmt(lo)}–{_fmt(hi)}"
                         for lo, hi in zip(grouped["lowest"], grouped["highest"])]
    grouped["result"] = [("pass" if p == n else f"FAIL ({n - p} of {n})") for p, n in
                         zip(grouped["passed"], grouped["scopes"])]
    lines += _table(grouped[["section", "metric", "bound", "scopes", "values", "result"]]) + [""]
    if len(failed):
        lines += ["Failed:", ""]
        lines += [f"- {r.section} {r.metric} `{r.scope}` = {_fmt(r.value)} (bound {r.bound}): {r.note}"
                  for r in failed.itertuples()]
        lines.append("")
    return lines

"""The classifier: training, the model store (versions, signatures, refusals), prediction lines,
the rules fallback, evaluation metrics, and the `classify` commands."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from registry.classify import store
from registry.classify.batch import predict_stream, read_posts
from registry.classify.evaluate import evaluate_file, evaluate_rows
from registry.classify.pipeline import PostModel
from registry.classify.predict import Predictor, get_predictor, predict_posts
from registry.classify.rules import RuleClassifier, analyze
from registry.classify.stemmer import light_stem as stem
from registry.classify.train import (
    cross_validate,
    ensure_default_model,
    load_default,
    load_seed,
    train_and_save,
)
from registry.cli.classify import classify
from registry.taxonomy import FOCUSES, INNOVATOR_TYPES, SECTORS

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEV = SHARED / "data" / "labeled" / "innovation_posts_dev.jsonl"

KEYS = {
    "id",
    "is_innovation",
    "score",
    "sectors",
    "focus",
    "innovator_type",
    "province",
    "regency",
    "lang",
    "model_version",
    "explain",
}

POSTS: list[dict[str, Any]] = [
    {
        "id": "p1",
        "text": "Pemkot Bandung luncurkan aplikasi antar sembako gratis untuk warga isoman",
        "author": "humas_bandung",
    },
    {"id": "p2", "text": "PSBB diperpanjang lagi, capek banget wkwk"},
    {
        "id": 3,
        "text": "Mahasiswa UGM merakit bilik disinfeksi dan membagikannya ke puskesmas di Sleman",
        "user_location": "Yogyakarta",
    },
    {"id": "p4", "text": "Kasus positif di Jawa Timur bertambah 512 hari ini, total 10.234"},
]


def small_slice(n_pos: int = 40, n_neg: int = 60) -> list[dict[str, Any]]:
    seed = load_seed()
    pos = [r for r in seed if r["is_innovation"]][:n_pos]
    neg = [r for r in seed if not r["is_innovation"]][:n_neg]
    return pos + neg


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance dir holding one small model trained on a slice of the seed set."""
    instance = tmp_path_factory.mktemp("trained") / "instance"
    data = write_jsonl(instance.parent / "slice.jsonl", small_slice())
    train_and_save(instance, data_paths=[data], include_seed=False, folds=2)
    return instance


@pytest.fixture
def instance(trained: Path, tmp_path: Path) -> Path:
    """A private copy of the trained instance, free to damage."""
    copy = tmp_path / "instance"
    shutil.copytree(trained, copy)
    return copy


def only_version(instance: Path) -> str:
    (info,) = store.list_models(instance)
    return info.version


# --------------------------------------------------------------------------- estimators


def test_post_model_follows_scikit_learn_conventions() -> None:
    from sklearn.base import clone

    model = PostModel(C=0.3, learned_weight=0.5)
    assert clone(model).get_params()["C"] == 0.3
    rows = small_slice(20, 30)
    fitted = model.fit(rows, rows)
    assert fitted is model
    assert not hasattr(PostModel(), "threshold_")
    assert 0.0 < model.threshold_ < 1.0
    assert model.weights_.flags["C_CONTIGUOUS"]
    scores = model.predict_scores(rows)
    assert scores.shape == (50,) and ((scores >= 0) & (scores <= 1)).all()
    assert 0.5 < model.score(rows, rows) <= 1.0


def test_cross_validation_reports_every_head() -> None:
    report = cross_validate(small_slice(30, 40), folds=2)
    assert report["folds"] == 2
    assert report["is_innovation"]["positives"] == 30
    # better than a random ranking, whose average precision is the share of positives
    assert report["is_innovation"]["average_precision"] > 30 / 70
    for head in ("focus", "innovator_type", "province"):
        assert report[head]["rows"] > 0
    assert report["sectors"]["micro_f1"] is not None


def test_stemmer_unifies_affixed_forms() -> None:
    assert stem("meluncurkan") == stem("diluncurkan") == stem("peluncuran") == "luncur"
    assert stem("menyediakan") == stem("sediakan")
    assert stem("kampung2") == "kampung"


# --------------------------------------------------------------------------- prediction


def test_prediction_lines_have_the_design_shape_in_input_order(instance: Path) -> None:
    lines = list(predict_posts(POSTS, instance_dir=instance, batch_size=3))
    assert [line["id"] for line in lines] == ["p1", "p2", 3, "p4"]
    version = only_version(instance)
    for line in lines:
        assert set(line) == KEYS
        assert 0.0 <= line["score"] <= 1.0
        assert isinstance(line["is_innovation"], bool)
        assert line["sectors"] and set(line["sectors"]) <= set(SECTORS)
        assert line["focus"] in FOCUSES
        assert line["innovator_type"] in INNOVATOR_TYPES
        assert line["lang"] == "id"  # every post is Indonesian
        assert line["model_version"] == version
        for term, weight in line["explain"]:
            assert isinstance(term, str) and isinstance(weight, float)
        json.dumps(line)  # serializable as it is
    by_id = {line["id"]: line for line in lines}
    assert by_id["p1"]["score"] > by_id["p2"]["score"]
    assert by_id["p1"]["score"] > by_id["p4"]["score"]
    assert by_id["p1"]["regency"] == {"code": "32.73", "name": "Kota Bandung"}
    assert by_id["p1"]["province"] == {"code": "32", "name": "Jawa Barat"}
    assert by_id["p1"]["innovator_type"] == "pemkot"
    assert by_id[3]["innovator_type"] == "perguruan-tinggi"
    assert by_id["p4"]["province"]["code"] == "35"
    explained = dict((term, w) for term, w in by_id["p1"]["explain"])
    assert any(w > 0 for w in explained.values())
    weights = [abs(w) for _, w in by_id["p1"]["explain"]]
    assert weights == sorted(weights, reverse=True) and len(weights) <= 8


def test_is_innovation_follows_the_threshold(instance: Path) -> None:
    predictor = Predictor.load(instance)
    for line in predictor.predict_posts(POSTS):
        assert line["is_innovation"] == (line["score"] >= predictor.threshold)


def test_prediction_is_the_same_in_batches_of_one(instance: Path) -> None:
    predictor = Predictor.load(instance)
    together = list(predictor.predict_posts(POSTS))
    alone = [line for post in POSTS for line in predictor.predict_posts([post])]
    assert together == alone


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😷🙏🔥🔥",
        "https://t.co/AbCdEf1234",
        "Pemkot Surabaya " + "buka posko vaksin gratis di balai RW " * 3000,  # ~110 KB
        "Warga 北京 и Москва launched a food bank 🍚 untuk tetangga isoman مرحبا",
        "\u0000\ud800 broken surrogate and NUL",
        "#########",
    ],
)
def test_odd_texts_still_get_a_prediction(instance: Path, text: str) -> None:
    (line,) = predict_posts([{"id": "x", "text": text}], instance_dir=instance)
    assert set(line) == KEYS and 0.0 <= line["score"] <= 1.0


def test_odd_posts_still_get_a_prediction(instance: Path) -> None:
    odd: list[Any] = [{"id": 1}, {"id": 2, "text": None, "author": 5, "lang": 3}, "bare text", 7]
    lines = list(predict_posts(odd, instance_dir=instance))
    assert [line["id"] for line in lines] == [1, 2, None, None]
    assert all(set(line) == KEYS for line in lines)


def test_language_comes_from_the_post_when_given() -> None:
    assert analyze({"text": "Pemkot buka posko", "lang": "in"}).lang == "id"
    assert analyze({"text": "The city opened a food bank for families", "lang": "en"}).lang == "en"
    assert analyze({"text": "The city government opened a food bank for families"}).lang == "en"
    assert analyze({"text": ""}).lang == "und"


def test_author_handle_is_a_cue_for_the_innovator_type(instance: Path) -> None:
    text = "Layanan antar obat gratis untuk pasien isoman mulai hari ini, hubungi call center"
    kinds = {
        author: line["innovator_type"]
        for author in ("DinkesPemkotMalang", "UnivBrawijaya", "komunitas_peduli")
        for line in predict_posts([{"id": 1, "text": text, "author": author}], instance)
    }
    assert kinds == {
        "DinkesPemkotMalang": "pemkot",
        "UnivBrawijaya": "perguruan-tinggi",
        "komunitas_peduli": "masyarakat-sipil",
    }


def test_a_retweet_takes_the_actor_cue_of_the_original_account(instance: Path) -> None:
    text = "RT @humas_polri: Layanan antar obat gratis untuk pasien isoman, hubungi call center"
    (line,) = predict_posts([{"id": 1, "text": text, "author": "komunitas_peduli"}], instance)
    assert line["innovator_type"] == "kementerian-lembaga"
    # a news account names no actor: the retweeter's handle is the fallback
    news = analyze({"text": "RT @kabar_sulsel: Layanan antar obat", "author": "UnivHasanuddin"})
    assert news.author_cue == "perguruan-tinggi"
    assert analyze({"text": "RT @humaskab_sleman: Layanan antar obat"}).author_cue == "pemkab"


def test_seed_set_follows_the_labeling_guide() -> None:
    seed = load_seed()
    assert len(seed) >= 1500
    assert len({r["id"] for r in seed}) == len(seed)
    assert len({r["text"] for r in seed}) == len(seed)
    positives = [r for r in seed if r["is_innovation"]]
    assert 0.2 < len(positives) / len(seed) < 0.4
    for row in seed:
        if row["is_innovation"]:
            assert row["sectors"] and set(row["sectors"]) <= set(SECTORS), row["id"]
            assert row["focus"] in FOCUSES and row["innovator_type"] in INNOVATOR_TYPES, row["id"]
        else:
            assert not row["sectors"] and row["innovator_type"] is None, row["id"]
    # real-harvest style is represented: replies and retweets, in both classes
    for label in (0, 1):
        rows = [r for r in seed if r["is_innovation"] == label]
        assert sum(r["text"].startswith(("@", "RT @")) for r in rows) >= 20


# --------------------------------------------------------------------------- rules fallback


def test_without_a_model_the_rules_answer(tmp_path: Path) -> None:
    predictor = get_predictor(tmp_path / "empty")
    assert predictor.version == "rules" and predictor.model is None
    assert "no classifier model" in (predictor.problem or "")
    lines = list(predictor.predict_posts(POSTS))
    assert [line["model_version"] for line in lines] == ["rules"] * 4
    assert all(set(line) == KEYS for line in lines)
    by_id = {line["id"]: line for line in lines}
    assert by_id["p1"]["is_innovation"] and not by_id["p2"]["is_innovation"]
    assert by_id["p1"]["innovator_type"] == "pemkot"
    assert by_id[3]["sectors"] and by_id[3]["explain"]


def test_rule_classifier_answers_every_head() -> None:
    (head,) = RuleClassifier().predict_analyses([analyze(POSTS[2])])
    assert head["innovator_type"] == "perguruan-tinggi"
    assert "kesehatan" in head["sectors"] and head["focus"] == "cepat-tanggap"


# --------------------------------------------------------------------------- the store


def test_saved_model_carries_its_meta(instance: Path) -> None:
    (info,) = store.list_models(instance)
    meta = info.meta
    assert info.active and store.active_version(instance) == info.version
    assert set(meta["libraries"]) >= {"python", "scikit-learn", "numpy"}
    assert meta["data"]["hash"].startswith("sha256:") and meta["data"]["rows"] == 100
    assert meta["cv_metrics"]["is_innovation"]["average_precision"] is not None
    assert meta["created_at"] and 0 < meta["threshold"] < 1
    assert len(meta["hmac_sha256"]) == 64
    key = instance / "models" / ".signing-key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_model_from_another_scikit_learn_version_is_refused(instance: Path) -> None:
    version = only_version(instance)
    meta_path = instance / "models" / version / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["libraries"]["scikit-learn"] = "0.24.2"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(store.ModelError, match=r"scikit-learn 0\.24\.2.*retrain"):
        store.load_active(instance)
    with pytest.raises(store.ModelError, match="scikit-learn"):
        store.activate(instance, version)
    predictor = Predictor.load(instance)
    assert predictor.version == "rules" and "0.24.2" in (predictor.problem or "")
    assert next(predictor.predict_posts(POSTS))["model_version"] == "rules"


def test_tampered_model_file_is_refused_before_unpickling(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = only_version(instance)
    path = instance / "models" / version / "model.joblib"
    path.write_bytes(path.read_bytes() + b"\x00")

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an unverified file was unpickled")

    monkeypatch.setattr("joblib.load", never)
    with pytest.raises(store.ModelError, match="signature"):
        store.load_active(instance)
    assert Predictor.load(instance).version == "rules"


def test_model_signed_with_another_key_is_refused(instance: Path) -> None:
    key = instance / "models" / ".signing-key"
    key.write_text("f" * 64 + "\n")
    with pytest.raises(store.ModelError, match="signature"):
        store.load_active(instance)


def test_missing_or_corrupt_model_gives_a_clear_message(instance: Path) -> None:
    version = only_version(instance)
    model_file = instance / "models" / version / "model.joblib"
    model_file.unlink()
    with pytest.raises(store.ModelError, match="model.joblib is missing"):
        store.load_active(instance)
    predictor = Predictor.load(instance)
    assert predictor.version == "rules" and "missing" in (predictor.problem or "")

    (instance / "models" / version / "meta.json").write_text("{not json")
    with pytest.raises(store.ModelError, match="meta.json is unreadable"):
        store.load_active(instance)

    (instance / "models" / "active").write_text("no-such-version\n")
    with pytest.raises(store.ModelError, match="does not exist"):
        store.load_active(instance)
    assert Predictor.load(instance).version == "rules"


def test_missing_signing_key_refuses_models(instance: Path) -> None:
    (instance / "models" / ".signing-key").unlink()
    with pytest.raises(store.ModelError, match="signing key"):
        store.load_active(instance)


def test_activate_and_roll_back(instance: Path, tmp_path: Path) -> None:
    first = only_version(instance)
    data = write_jsonl(tmp_path / "more.jsonl", small_slice(30, 30))
    info, report = train_and_save(instance, data_paths=[data], include_seed=False, folds=0)
    assert report["version"] == info.version != first
    assert store.active_version(instance) == info.version
    assert get_predictor(instance).version == info.version
    assert [m.version for m in store.list_models(instance)] == [first, info.version]

    store.activate(instance, first)  # roll back
    assert store.active_version(instance) == first
    assert get_predictor(instance).version == first  # the cache notices the switch
    with pytest.raises(store.ModelError, match="does not exist"):
        store.activate(instance, "20990101-000000")
    with pytest.raises(store.ModelError, match="not a model version"):
        store.activate(instance, "../../etc")
    assert store.active_version(instance) == first


def test_ensure_default_model_trains_once_then_reuses(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    version = ensure_default_model(instance)
    (info,) = store.list_models(instance)
    assert info.version == version and info.active
    assert info.meta["data"]["rows"] == len(load_default())
    assert info.meta["size_bytes"] < 50 * 1024 * 1024
    assert ensure_default_model(instance) == version  # compatible: kept
    meta_path = info.path / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["libraries"]["scikit-learn"] = "0.1"
    meta_path.write_text(json.dumps(meta))
    newer = ensure_default_model(instance)  # incompatible: a new one is trained
    assert newer != version and store.active_version(instance) == newer


# --------------------------------------------------------------------------- evaluation


def test_metrics_on_known_answers() -> None:
    rows = [
        {
            "is_innovation": 1,
            "sectors": ["kesehatan"],
            "innovator_type": "pemkot",
            "province": "32",
        },
        {"is_innovation": 0, "sectors": [], "innovator_type": None, "province": None},
        {"is_innovation": 1, "sectors": ["pangan", "ekonomi"], "innovator_type": "swasta"},
        {"is_innovation": 0, "sectors": [], "innovator_type": None, "province": "35"},
    ]
    predictions = [
        {"score": 0.9, "is_innovation": True, "sectors": ["kesehatan"],
         "innovator_type": "pemkot", "focus": "cepat-tanggap", "province": {"code": "32"}},
        {"score": 0.8, "is_innovation": True, "sectors": ["kesehatan"],
         "innovator_type": "swasta", "focus": "cepat-tanggap", "province": None},
        {"score": 0.3, "is_innovation": False, "sectors": ["pangan"],
         "innovator_type": "pemkot", "focus": "cepat-tanggap", "province": None},
        {"score": 0.1, "is_innovation": False, "sectors": ["kesehatan"],
         "innovator_type": "pemkot", "focus": "cepat-tanggap", "province": {"code": "35"}},
    ]  # fmt: skip
    metrics = evaluate_rows(rows, predictions)
    inn = metrics["is_innovation"]
    assert inn["positives"] == 2
    assert inn["average_precision"] == pytest.approx((1 / 1 + 2 / 3) / 2, abs=1e-4)
    assert inn["precision_at_10"] is None  # fewer than 10 rows
    assert inn["precision"] == 0.5 and inn["recall"] == 0.5
    # sectors over the 2 labelled rows: tp kesehatan, pangan; fn ekonomi -> micro 2*2/(4+0+1)
    assert metrics["sectors"] == {
        "rows": 2,
        "micro_f1": 0.8,
        "macro_f1": pytest.approx(2 / 3, abs=1e-4),
    }
    assert metrics["innovator_type"] == {"rows": 2, "accuracy": 0.5}
    assert metrics["province"] == {"rows": 2, "accuracy": 1.0}
    assert metrics["focus"] == {"rows": 0, "accuracy": None}


@pytest.mark.parametrize(
    ("label", "predicted", "right"),
    [
        ("West Java", {"code": "32", "name": "Jawa Barat"}, True),  # an English name
        ("Jawa Barat", {"code": "32", "name": "Jawa Barat"}, True),
        ("DKI Jakarta", {"code": "31", "name": "DKI Jakarta"}, True),
        ("32.73", {"code": "32", "name": "Jawa Barat"}, True),  # a regency code: its province
        ("Jawa Timur", {"code": "32", "name": "Jawa Barat"}, False),
        ("Atlantis", {"code": "32", "name": "Jawa Barat"}, False),  # compared as written
    ],
)
def test_a_province_label_may_be_a_name_or_a_code(
    label: str, predicted: dict[str, str], right: bool
) -> None:
    rows = [{"is_innovation": 1, "province": label}]
    predictions = [{"score": 0.9, "is_innovation": True, "province": predicted}]
    assert evaluate_rows(rows, predictions)["province"]["accuracy"] == (1.0 if right else 0.0)


def test_precision_at_k_counts_the_top_rows() -> None:
    rows = [{"is_innovation": 1 if i < 5 else 0} for i in range(30)]
    predictions = [{"score": 1 - i / 100, "is_innovation": False} for i in range(30)]
    inn = evaluate_rows(rows, predictions)["is_innovation"]
    assert inn["precision_at_10"] == 0.5 and inn["precision_at_20"] == 0.25
    assert inn["average_precision"] == 1.0 and inn["precision_at_50"] is None


def test_evaluate_file_with_the_rules(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "labelled.jsonl",
        [{**post, "is_innovation": int(post["id"] in ("p1", 3))} for post in POSTS],
    )
    metrics = evaluate_file(path, tmp_path / "no-models")
    assert metrics["model_version"] == "rules"
    assert metrics["is_innovation"]["average_precision"] == 1.0


@pytest.mark.skipif(not DEV.exists(), reason=f"{DEV} is absent (../shared is not checked out)")
def test_evaluate_on_the_real_dev_posts(instance: Path) -> None:
    metrics = evaluate_file(DEV, instance)
    assert metrics["rows"] == 199 and metrics["is_innovation"]["positives"] == 15
    assert metrics["innovator_type"]["rows"] == 15
    assert metrics["is_innovation"]["average_precision"] > 0.1


# --------------------------------------------------------------------------- the commands


@pytest.fixture
def cli_app(instance: Path) -> Flask:
    app = Flask("classify-test")
    app.config["INSTANCE_DIR"] = str(instance)
    app.cli.add_command(classify)
    return app


def test_predict_reads_jsonl_reports_bad_lines_and_predicts_the_rest(
    cli_app: Flask, tmp_path: Path
) -> None:
    good = [json.dumps(p, ensure_ascii=False).encode() for p in POSTS]
    lines = [
        good[0],
        b"this is not json",
        good[1],
        b"",
        b'["a", "list"]',
        b'{"id": "no-text"}',
        b'{"id": "bad-utf8", "text": "Relawan buka dapur umum \\u00e9 ' + b"\xff\xfe" + b'"}',
        good[2],
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = cli_app.test_cli_runner().invoke(args=["classify", "predict", str(path)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in out] == ["p1", "p2", "bad-utf8", 3]
    assert "line 2: not JSON" in result.stderr
    assert "line 5: not a JSON object" in result.stderr
    assert 'line 6: no "text" string' in result.stderr
    assert "line 7: invalid UTF-8" in result.stderr
    assert "line 4" not in result.stderr  # a blank line is no error


def test_predict_from_stdin(cli_app: Flask) -> None:
    stdin = "".join(json.dumps(p) + "\n" for p in POSTS[:2])
    result = cli_app.test_cli_runner().invoke(args=["classify", "predict", "-"], input=stdin)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["p1", "p2"]


def test_predict_stream_without_flask(tmp_path: Path) -> None:
    import io

    source = io.BytesIO(b'{"id": 1, "text": "Posko relawan"}\nnope\n')
    out, err = io.StringIO(), io.StringIO()
    assert predict_stream(source, out, err, tmp_path / "none") == (1, 1)
    assert json.loads(out.getvalue())["model_version"] == "rules"
    assert "no classifier model" in err.getvalue() and "line 2: not JSON" in err.getvalue()


def test_read_posts_numbers_lines() -> None:
    errors: list[str] = []
    found = list(read_posts([b'{"text": "a"}', b"{", b'{"text": "b"}'], errors))
    assert [n for n, _ in found] == [1, 3]
    assert errors and errors[0].startswith("line 2:")


def test_models_and_activate_commands(cli_app: Flask, instance: Path) -> None:
    runner = cli_app.test_cli_runner()
    version = only_version(instance)
    listed = runner.invoke(args=["classify", "models"])
    assert listed.exit_code == 0 and f"* {version}" in listed.stdout
    bad = runner.invoke(args=["classify", "models", "--activate", "nope"])
    assert bad.exit_code == 1 and "does not exist" in bad.stderr
    good = runner.invoke(args=["classify", "models", "--activate", version])
    assert good.exit_code == 0 and version in good.stdout


def test_evaluate_command_prints_metrics_json(cli_app: Flask, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "labelled.jsonl",
        [{**post, "is_innovation": int(post["id"] == "p1")} for post in POSTS],
    )
    result = cli_app.test_cli_runner().invoke(args=["classify", "evaluate", str(path)])
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["rows"] == 4 and metrics["is_innovation"]["positives"] == 1
    assert metrics["is_innovation"]["unlabelled"] == 0 and "warning" not in result.stderr


def test_evaluate_command_warns_about_rows_without_a_usable_label(
    cli_app: Flask, tmp_path: Path
) -> None:
    labels: list[Any] = [1, "yes", 2, None]
    path = write_jsonl(
        tmp_path / "labelled.jsonl",
        [{**post, "is_innovation": label} for post, label in zip(POSTS, labels, strict=True)],
    )
    result = cli_app.test_cli_runner().invoke(args=["classify", "evaluate", str(path)])
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["is_innovation"]["rows"] == 1 and metrics["is_innovation"]["unlabelled"] == 3
    assert "warning: 3 row(s) have no is_innovation" in result.stderr


def test_train_command_adds_extra_data_and_activates(cli_app: Flask, tmp_path: Path) -> None:
    extra = write_jsonl(
        tmp_path / "decisions.jsonl",
        [{"text": "Karang taruna bikin lumbung pangan RW", "is_innovation": 1},
         {"text": "capek ppkm terus", "is_innovation": 0},
         {"text": "no label here"}],
    )  # fmt: skip
    result = cli_app.test_cli_runner().invoke(args=["classify", "train", "--data", str(extra)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert report["data"]["rows"] == len(load_default()) + 2
    assert report["data"]["left_out"] == 1 and report["problems"]
    assert report["cv_metrics"]["is_innovation"]["average_precision"] > 0.5
    assert f"model {report['version']} saved and active" in result.stdout


def test_cv_command_prints_intervals_per_source_and_bad_lines(
    cli_app: Flask, tmp_path: Path
) -> None:
    seed = load_seed()
    picked = [r for r in seed if r["is_innovation"]][:12] + [
        r for r in seed if not r["is_innovation"]
    ][:24]
    rows: list[Any] = [
        {"text": r["text"], "is_innovation": r["is_innovation"], "source": f"s{i % 2}"}
        for i, r in enumerate(picked)
    ]
    path = write_jsonl(tmp_path / "real.jsonl", [*rows, {"text": " ", "is_innovation": 0}])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    result = cli_app.test_cli_runner().invoke(
        args=["classify", "cv", "--data", str(path), "--folds", "3"]
    )
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["folds"] == 3 and metrics["input"]["used"] == 36
    assert metrics["input"]["problems"] == 2
    assert f"{path}, line 37" in result.stderr and f"{path}, line 38" in result.stderr
    assert metrics["all"]["rows"] == 36 and metrics["all"]["positives"] == 12
    low, high = metrics["all"]["ap_90pct"]
    assert 0.0 <= low <= metrics["all"]["average_precision"] <= high <= 1.0
    assert metrics["s0"]["rows"] == metrics["s1"]["rows"] == 18
    assert len(metrics["fold_average_precision"]) == 3
    too_few = write_jsonl(tmp_path / "few.jsonl", rows[:1] + rows[12:20])
    failed = cli_app.test_cli_runner().invoke(args=["classify", "cv", "--data", str(too_few)])
    assert failed.exit_code == 1 and "needs at least two innovations" in failed.stderr


def test_classify_commands_need_no_database(cli_app: Flask) -> None:
    # the group works on any Flask app that sets INSTANCE_DIR: jobs and tests use it bare
    result = cli_app.test_cli_runner().invoke(args=["classify", "--help"])
    assert result.exit_code == 0
    for command in ("train", "models", "evaluate", "cv", "predict"):
        assert command in result.stdout


@pytest.fixture(autouse=True)
def _no_env_instance(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("REGISTRY_INSTANCE_DIR", raising=False)
    yield


def test_module_entry_point_uses_the_instance_from_the_environment(
    instance: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from registry.cli.classify import main

    monkeypatch.setenv("REGISTRY_INSTANCE_DIR", str(instance))
    with pytest.raises(SystemExit) as exit_info:
        main(["models"])
    assert exit_info.value.code in (0, None)
    assert f"* {only_version(instance)}" in capsys.readouterr().out


def test_model_of_another_format_is_refused(instance: Path) -> None:
    version = only_version(instance)
    meta_path = instance / "models" / version / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["format"] = 99
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(store.ModelError, match="model format 99"):
        store.load_active(instance)
    listed = store.list_models(instance)
    assert listed[0].problem is not None


ENGLISH_MEASURES = Path(__file__).parent / "data" / "english_measures.jsonl"


@pytest.mark.parametrize("with_model", [False, True])
def test_english_descriptions_of_measures_give_province_and_level(
    instance: Path, tmp_path: Path, with_model: bool
) -> None:
    # our own sentences in the shape of the judges' set: a government measure in English,
    # the province and the level of government (city, regency, province, national)
    metrics = evaluate_file(ENGLISH_MEASURES, instance if with_model else tmp_path / "none")
    assert metrics["province"]["rows"] == 45
    assert metrics["province"]["accuracy"] >= 0.95
    assert metrics["innovator_type"]["rows"] == 48
    assert metrics["innovator_type"]["accuracy"] >= 0.9

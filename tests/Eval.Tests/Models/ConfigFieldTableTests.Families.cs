using System.Text.Json.Nodes;
using Eval.Core.Models;

namespace Eval.Tests.Models;

/// <summary>
/// The same guarantee for the families beside Llama (issue #33): every field of GPT-NeoX's, GPT-2's, Phi-3's and BLOOM's tables changes the
/// parsed config or is refused naming it, every ignored one changes nothing, and a field from another family's table is
/// refused, naming it.
/// </summary>
public partial class ConfigFieldTableTests
{
    /// <summary>A Pythia-like config with every honoured field present (rope_theta, partial_rotary_factor and rope_parameters are their alternatives).</summary>
    const string NeoXBase = """
        {"model_type":"gpt_neox","vocab_size":1000,"hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":128,
         "hidden_act":"gelu","rotary_pct":0.25,"rotary_emb_base":10000,"rope_scaling":{"type":"linear","factor":2.0},"max_position_embeddings":1024,
         "layer_norm_eps":1e-5,"use_parallel_residual":true,"attention_bias":true,"tie_word_embeddings":false,"bos_token_id":0,"eos_token_id":0,
         "torch_dtype":"float16"}
        """;

    /// <summary>openai-community/gpt2's config.json, shrunk.</summary>
    const string Gpt2Base = """
        {"model_type":"gpt2","vocab_size":1000,"n_embd":64,"n_head":4,"n_layer":4,"n_inner":null,"n_positions":1024,"activation_function":"gelu_new",
         "layer_norm_epsilon":1e-5,"scale_attn_weights":true,"scale_attn_by_inverse_layer_idx":false,"reorder_and_upcast_attn":false,
         "add_cross_attention":false,"tie_word_embeddings":true,"bos_token_id":50,"eos_token_id":50,"torch_dtype":"float32"}
        """;

    /// <summary>Phi-3-mini-128k's config.json, shrunk: LongRoPE with factor lists of head_dim / 2 entries.</summary>
    const string Phi3Base = """
        {"model_type":"phi3","vocab_size":1000,"hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":16,
         "intermediate_size":128,"hidden_act":"silu","rms_norm_eps":1e-5,"rope_theta":10000.0,
         "rope_scaling":{"type":"longrope","short_factor":[1.0,1.0,1.5,2.0,2.0,3.0,4.0,4.0],"long_factor":[1.0,2.0,4.0,8.0,8.0,16.0,16.0,32.0]},
         "partial_rotary_factor":1.0,"max_position_embeddings":4096,"original_max_position_embeddings":1024,"sliding_window":1023,
         "tie_word_embeddings":false,"bos_token_id":1,"eos_token_id":32000,"torch_dtype":"bfloat16"}
        """;

    /// <summary>bigscience/bloom-560m's config.json, shrunk, in BloomConfig's current names (n_embed and num_attention_heads are their alternatives).</summary>
    const string BloomBase = """
        {"model_type":"bloom","vocab_size":1000,"hidden_size":64,"n_layer":4,"n_head":4,"n_inner":null,"layer_norm_epsilon":1e-5,
         "apply_residual_connection_post_layernorm":false,"tie_word_embeddings":true,"bos_token_id":1,"eos_token_id":2,"torch_dtype":"bfloat16"}
        """;

    /// <summary>Another family's config of the same sizes: what a changed model_type must parse as (a llama one).</summary>
    static void BecomeLlama(JsonObject j)
    {
        j.Clear();
        foreach (var (key, value) in JsonNode.Parse(Base)!.AsObject().Where(p => p.Key is not ("use_sliding_window" or "max_window_layers" or "sliding_window" or "rope_scaling" or "original_max_position_embeddings")))
            j[key] = value!.DeepClone();
        j["model_type"] = "llama";
    }

    static readonly Dictionary<string, JsonNode> MetadataValues = new()
    {
        ["architectures"] = new JsonArray("SomethingElseForCausalLM"),
        ["transformers_version"] = "9.9.9",
        ["_name_or_path"] = "/somewhere/else",
        ["use_cache"] = false,
        ["initializer_range"] = 0.5,
        ["pad_token_id"] = 7,
    };

    sealed record FamilyCase(string Base, IReadOnlyList<ConfigField> Table, Dictionary<string, Action<JsonObject>> Honoured, Dictionary<string, JsonNode> Ignored);

    static readonly Dictionary<string, FamilyCase> Families = new()
    {
        ["gpt_neox"] = new(NeoXBase, GptNeoXConfigReader.Fields, new()
        {
            ["model_type"] = BecomeLlama,
            ["vocab_size"] = j => j["vocab_size"] = 2000,
            ["hidden_size"] = j => j["hidden_size"] = 128,
            ["num_hidden_layers"] = j => j["num_hidden_layers"] = 5,
            ["num_attention_heads"] = j => j["num_attention_heads"] = 8,
            ["intermediate_size"] = j => j["intermediate_size"] = 256,
            ["hidden_act"] = j => j["hidden_act"] = "gelu_new",
            ["rotary_pct"] = j => j["rotary_pct"] = 0.5,
            ["partial_rotary_factor"] = j => { j.Remove("rotary_pct"); j["partial_rotary_factor"] = 1.0; },
            ["rotary_emb_base"] = j => j["rotary_emb_base"] = 500000,
            ["rope_theta"] = j => { j.Remove("rotary_emb_base"); j["rope_theta"] = 1000000.0; },
            ["rope_scaling"] = j => j["rope_scaling"] = new JsonObject { ["type"] = "dynamic", ["factor"] = 4.0 },
            ["rope_parameters"] = j => { j.Remove("rope_scaling"); j["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 3.0 }; },
            ["max_position_embeddings"] = j => j["max_position_embeddings"] = 2048,
            ["layer_norm_eps"] = j => j["layer_norm_eps"] = 1e-6,
            ["use_parallel_residual"] = j => j["use_parallel_residual"] = false,
            ["attention_bias"] = j => j["attention_bias"] = false,
            ["tie_word_embeddings"] = j => j["tie_word_embeddings"] = true,
            ["bos_token_id"] = j => j["bos_token_id"] = 5,
            ["eos_token_id"] = j => j["eos_token_id"] = new JsonArray(2, 7),
            ["torch_dtype"] = j => j["torch_dtype"] = "float32",
            ["dtype"] = j => { j.Remove("torch_dtype"); j["dtype"] = "bfloat16"; },
        }, new(MetadataValues)
        {
            ["attention_dropout"] = 0.1,
            ["hidden_dropout"] = 0.1,
            ["classifier_dropout"] = 0.5,
        }),
        ["gpt2"] = new(Gpt2Base, Gpt2ConfigReader.Fields, new()
        {
            ["model_type"] = BecomeLlama,
            ["vocab_size"] = j => j["vocab_size"] = 2000,
            ["n_embd"] = j => j["n_embd"] = 128,
            ["n_head"] = j => j["n_head"] = 8,
            ["n_layer"] = j => j["n_layer"] = 5,
            ["n_inner"] = j => j["n_inner"] = 100,
            ["n_positions"] = j => j["n_positions"] = 2048,
            ["activation_function"] = j => j["activation_function"] = "gelu",
            ["layer_norm_epsilon"] = j => j["layer_norm_epsilon"] = 1e-6,
            ["scale_attn_weights"] = j => j["scale_attn_weights"] = false,
            ["scale_attn_by_inverse_layer_idx"] = j => j["scale_attn_by_inverse_layer_idx"] = true,
            ["reorder_and_upcast_attn"] = j => j["reorder_and_upcast_attn"] = true,
            ["add_cross_attention"] = j => j["add_cross_attention"] = true,
            ["tie_word_embeddings"] = j => j["tie_word_embeddings"] = false,
            ["bos_token_id"] = j => j["bos_token_id"] = 5,
            ["eos_token_id"] = j => j["eos_token_id"] = new JsonArray(2, 7),
            ["torch_dtype"] = j => j["torch_dtype"] = "bfloat16",
            ["dtype"] = j => { j.Remove("torch_dtype"); j["dtype"] = "float16"; },
        }, new(MetadataValues)
        {
            ["n_ctx"] = 2048,
            ["resid_pdrop"] = 0.1,
            ["embd_pdrop"] = 0.1,
            ["attn_pdrop"] = 0.1,
            ["summary_type"] = "cls_index",
            ["summary_use_proj"] = true,
            ["summary_activation"] = "tanh",
            ["summary_proj_to_labels"] = true,
            ["summary_first_dropout"] = 0.1,
            ["task_specific_params"] = new JsonObject { ["text-generation"] = new JsonObject { ["do_sample"] = true, ["max_length"] = 50 } },
        }),
        ["phi3"] = new(Phi3Base, Phi3ConfigReader.Fields, new()
        {
            ["model_type"] = BecomeLlama,
            ["vocab_size"] = j => j["vocab_size"] = 2000,
            ["hidden_size"] = j => j["hidden_size"] = 128,
            ["num_hidden_layers"] = j => j["num_hidden_layers"] = 5,
            ["num_attention_heads"] = j => j["num_attention_heads"] = 8,
            ["num_key_value_heads"] = j => j["num_key_value_heads"] = 1,
            ["head_dim"] = j => j["head_dim"] = 32,
            ["intermediate_size"] = j => j["intermediate_size"] = 256,
            ["hidden_act"] = j => j["hidden_act"] = "gelu",
            ["rms_norm_eps"] = j => j["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = j => j["rope_theta"] = 500000.0,
            ["rope_scaling"] = j => j["rope_scaling"]!["long_factor"] = new JsonArray(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 64.0),
            ["partial_rotary_factor"] = j => j["partial_rotary_factor"] = 0.75,
            ["max_position_embeddings"] = j => j["max_position_embeddings"] = 8192,
            ["original_max_position_embeddings"] = j => j["original_max_position_embeddings"] = 2048,
            ["sliding_window"] = j => j["sliding_window"] = 64,
            ["tie_word_embeddings"] = j => j["tie_word_embeddings"] = true,
            ["bos_token_id"] = j => j["bos_token_id"] = 5,
            ["eos_token_id"] = j => j["eos_token_id"] = new JsonArray(2, 7),
            ["torch_dtype"] = j => j["torch_dtype"] = "float32",
            ["dtype"] = j => { j.Remove("torch_dtype"); j["dtype"] = "float16"; },
        }, new(MetadataValues)
        {
            ["auto_map"] = new JsonObject { ["AutoConfig"] = "configuration_phi3.Phi3Config" },
            ["attention_dropout"] = 0.1,
            ["resid_pdrop"] = 0.1,
            ["embd_pdrop"] = 0.1,
        }),
        ["bloom"] = new(BloomBase, BloomConfigReader.Fields, new()
        {
            ["model_type"] = BecomeLlama,
            ["vocab_size"] = j => j["vocab_size"] = 2000,
            ["hidden_size"] = j => j["hidden_size"] = 128,
            ["n_embed"] = j => { j.Remove("hidden_size"); j["n_embed"] = 128; },
            ["n_layer"] = j => j["n_layer"] = 5,
            ["num_hidden_layers"] = j => { j.Remove("n_layer"); j["num_hidden_layers"] = 6; },
            ["n_head"] = j => j["n_head"] = 8,
            ["num_attention_heads"] = j => { j.Remove("n_head"); j["num_attention_heads"] = 16; },
            ["n_inner"] = j => j["n_inner"] = 100,
            ["layer_norm_epsilon"] = j => j["layer_norm_epsilon"] = 1e-6,
            ["apply_residual_connection_post_layernorm"] = j => j["apply_residual_connection_post_layernorm"] = true,
            ["tie_word_embeddings"] = j => j["tie_word_embeddings"] = false,
            ["bos_token_id"] = j => j["bos_token_id"] = 5,
            ["eos_token_id"] = j => j["eos_token_id"] = new JsonArray(2, 7),
            ["torch_dtype"] = j => j["torch_dtype"] = "float32",
            ["dtype"] = j => { j.Remove("torch_dtype"); j["dtype"] = "float16"; },
        }, new(MetadataValues)
        {
            ["hidden_dropout"] = 0.1,
            ["attention_dropout"] = 0.1,
            ["pretraining_tp"] = 4,
            ["slow_but_exact"] = true,
            ["pretraining_pp"] = 2,
            ["gradient_checkpointing"] = true,
            ["masked_softmax_fusion"] = true,
            ["bias_dropout_fusion"] = true,
            ["skip_bias_add"] = true,
            ["skip_bias_add_qkv"] = false,
            ["attention_softmax_in_fp32"] = true,
            ["offset_alibi"] = 100,
            ["seq_length"] = 20,
            ["unk_token_id"] = 0,
        }),
    };

    static JsonObject FamilyJson(string modelType) => JsonNode.Parse(Families[modelType].Base)!.AsObject();

    [TestCase("gpt_neox")]
    [TestCase("gpt2")]
    [TestCase("phi3")]
    [TestCase("bloom")]
    public void FamilyTable_EveryFieldHasACaseHere(string modelType)
    {
        var family = Families[modelType];
        Assert.That(ModelConfigReader.FieldsOf(modelType), Is.SameAs(family.Table));
        Assert.That(family.Honoured.Keys, Is.EquivalentTo(family.Table.Where(f => f.Use == ConfigFieldUse.Honoured).Select(f => f.Name)));
        Assert.That(family.Ignored.Keys, Is.EquivalentTo(family.Table.Where(f => f.Use == ConfigFieldUse.Ignored).Select(f => f.Name)));
        Assert.That(family.Table.Select(f => f.Name), Is.Unique);
        Assert.That(family.Table.Where(f => f.Use == ConfigFieldUse.Ignored).Select(f => f.Reason), Has.All.Match("^[a-z-]+$"), "one word each");
        Assert.That(family.Honoured.Keys, Is.SupersetOf(JsonNode.Parse(family.Base)!.AsObject().Select(p => p.Key)), "the base config carries only table fields");
    }

    static IEnumerable<TestCaseData> FamilyHonoured() =>
        Families.SelectMany(f => f.Value.Honoured.Keys.Select(field => new TestCaseData(f.Key, field)));

    [TestCaseSource(nameof(FamilyHonoured))]
    public void FamilyHonouredField_Changed_ChangesTheParsedConfigOrIsRefusedNamingIt(string modelType, string field)
    {
        string before = Describe(Parse(FamilyJson(modelType)));
        var changed = FamilyJson(modelType);
        Families[modelType].Honoured[field](changed);
        ModelConfig after;
        try { after = Parse(changed); }
        catch (ModelConfigException e)
        {
            Assert.That(e.Message, Does.Contain($"\"{field}\"").And.Contain("not honoured"), "a refused value names the field and says it is not honoured");
            return;
        }
        Assert.That(Describe(after), Is.Not.EqualTo(before), $"changing {field} changed nothing: it is dropped");
    }

    static IEnumerable<TestCaseData> FamilyIgnored() =>
        Families.SelectMany(f => f.Value.Ignored.Keys.Select(field => new TestCaseData(f.Key, field)));

    [TestCaseSource(nameof(FamilyIgnored))]
    public void FamilyIgnoredField_AnyValue_LeavesTheParsedConfigAsItWas(string modelType, string field)
    {
        var json = FamilyJson(modelType);
        json[field] = Families[modelType].Ignored[field].DeepClone();
        Assert.That(Describe(Parse(json)), Is.EqualTo(Describe(Parse(FamilyJson(modelType)))));
    }

    [TestCase("gpt_neox", "rms_norm_eps", "Did you mean \"layer_norm_eps\"?")]
    [TestCase("gpt_neox", "num_key_value_heads", "field \"num_key_value_heads\" is not honoured for model_type gpt_neox")]
    [TestCase("gpt_neox", "sliding_window", "field \"sliding_window\" is not honoured for model_type gpt_neox")]
    [TestCase("gpt2", "hidden_size", "field \"hidden_size\" is not honoured for model_type gpt2")]
    [TestCase("gpt2", "rope_scaling", "field \"rope_scaling\" is not honoured for model_type gpt2")]
    [TestCase("gpt2", "position_encoding", "field \"position_encoding\" is not honoured for model_type gpt2")]
    [TestCase("phi3", "attention_bias", "field \"attention_bias\" is not honoured for model_type phi3")]
    [TestCase("phi3", "mlp_bias", "field \"mlp_bias\" is not honoured for model_type phi3")]
    [TestCase("bloom", "max_position_embeddings", "field \"max_position_embeddings\" is not honoured for model_type bloom")]
    [TestCase("bloom", "position_encoding", "field \"position_encoding\" is not honoured for model_type bloom")]
    [TestCase("bloom", "rope_scaling", "field \"rope_scaling\" is not honoured for model_type bloom")]
    [TestCase("bloom", "layer_norm_eps", "Did you mean \"layer_norm_epsilon\"?")]
    public void FamilyConfig_AFieldOfAnotherFamily_IsRefusedNamingIt(string modelType, string field, string expected)
    {
        var json = FamilyJson(modelType);
        json[field] = 1;
        var e = Assert.Throws<ModelConfigException>(() => Parse(json))!;
        Assert.That(e.Message, Does.StartWith($"m/config.json: field \"{field}\" is not honoured").And.Contain(expected));
    }

    [TestCase("gpt_neox", "hidden_act", "relu", "field \"hidden_act\" is \"relu\"; it is not honoured: the runtime's GPT-NeoX MLP (dense_h_to_4h, act, dense_4h_to_h) runs gelu, gelu_new, gelu_pytorch_tanh only.")]
    [TestCase("gpt2", "activation_function", "gelu_neww", "runs gelu_new, gelu, gelu_pytorch_tanh only. Did you mean \"gelu_new\"?")]
    [TestCase("gpt2", "activation_function", "silu", "field \"activation_function\" is \"silu\"; it is not honoured")]
    public void FamilyConfig_AnActivationTheRuntimeLacks_IsRefusedNamingTheFieldAndTheValidValues(string modelType, string field, string value, string expected)
    {
        var json = FamilyJson(modelType);
        json[field] = value;
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(json))!.Message, Does.Contain(expected));
    }

    [Test]
    public void GptNeoX_RotaryFieldsAndTheirRenames_AreReadAndRefusedWhenTheyDisagree()
    {
        var parsed = Parse(FamilyJson("gpt_neox"));
        Assert.That((parsed.HeadDim, parsed.RotaryDim, parsed.RopeTheta, parsed.ParallelResidual, parsed.CarriedStrategy!.ToString()), Is.EqualTo((16, 4, 10000.0, true, "linear:factor=2")));
        var renamed = FamilyJson("gpt_neox");
        renamed.Remove("rotary_pct");
        renamed.Remove("rotary_emb_base");
        renamed["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0, ["rope_theta"] = 10000.0, ["partial_rotary_factor"] = 0.25 };
        renamed["rope_scaling"] = renamed["rope_parameters"]!.DeepClone();
        Assert.That(Describe(Parse(renamed)), Is.EqualTo(Describe(parsed)), "transformers 5's rope_parameters name the same model");

        var both = FamilyJson("gpt_neox");
        both["partial_rotary_factor"] = 0.5;
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(both))!.Message, Does.Contain("\"rotary_pct\" (0.25) and \"partial_rotary_factor\" (0.5) name the same quantity and differ"));
        var odd = FamilyJson("gpt_neox");
        odd["rotary_pct"] = 0.1;
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(odd))!.Message, Does.Contain("rotates 1 dimensions; RoPE needs an even number"));
    }

    [Test]
    public void Phi3_LongRope_CarriesTheFactorTransformersDerivesFromTheTwoLengths()
    {
        var c = Parse(FamilyJson("phi3"));
        Assert.That((c.TrainedLength, c.RotaryDim, c.SlidingWindow, c.MlpMatrices), Is.EqualTo((1024, 16, (int?)1023, 3)));
        Assert.That(c.CarriedStrategy!.ToString(), Does.StartWith("longrope:").And.Contain("factor=4"));
        var agreeing = FamilyJson("phi3");
        agreeing["rope_scaling"]!["factor"] = 4.0;
        Assert.That(Describe(Parse(agreeing)), Is.EqualTo(Describe(c)));
        var other = FamilyJson("phi3");
        other["rope_scaling"]!["factor"] = 8.0;
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(other))!.Message, Does.Contain("field \"rope_scaling\" states factor 8; it is not honoured"),
            "transformers ignores it, so a factor that disagrees is refused, not dropped");
    }

    [Test]
    public void Gpt2_ReadsAsALearnedPositionModelWithItsOwnFieldNames()
    {
        var c = Parse(FamilyJson("gpt2"));
        Assert.That((c.HiddenSize, c.NumAttentionHeads, c.HeadDim, c.IntermediateSize, c.MaxPositionEmbeddings, c.TrainedLength, c.PositionEncoding, c.TieWordEmbeddings, c.HiddenAct),
            Is.EqualTo((64, 4, 16, 256, 1024, 1024, "learned", true, "gelu_new")));
        Assert.Throws<ModelConfigException>(() => ModelConfigReader.Write(Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.json"), c));
    }

    /// <summary>
    /// BLOOM reads as an ALiBi model: L0 2048 (its config names no training length), the MLP 4 x hidden_size, heads under
    /// either name; two names of one size that disagree are refused, naming both.
    /// </summary>
    [Test]
    public void Bloom_ReadsAsAnAlibiModelWithItsOwnFieldNames()
    {
        var c = Parse(FamilyJson("bloom"));
        Assert.That((c.HiddenSize, c.NumAttentionHeads, c.HeadDim, c.IntermediateSize, c.TrainedLength, c.PositionEncoding, c.TieWordEmbeddings, c.PostLayerNormResidual, c.MlpMatrices),
            Is.EqualTo((64, 4, 16, 256, 2048, "alibi", true, false, 2)));
        var renamed = FamilyJson("bloom");
        renamed.Remove("hidden_size");
        renamed.Remove("n_head");
        renamed["n_embed"] = 64;
        renamed["num_attention_heads"] = 4;
        renamed["n_inner"] = 256;
        Assert.That(Describe(Parse(renamed)), Is.EqualTo(Describe(c)), "bigscience/bloom's own names describe the same model");

        var both = FamilyJson("bloom");
        both["n_embed"] = 128;
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(both))!.Message, Does.Contain("\"hidden_size\" (64) and \"n_embed\" (128) name the same quantity and differ"));
        var odd = FamilyJson("bloom");
        odd["n_head"] = 3;
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(odd))!.Message, Does.Contain("hidden_size 64 is not divisible by n_head 3"));
        var absent = FamilyJson("bloom");
        absent.Remove("n_head");
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(absent))!.Message, Does.Contain("required field \"n_head\" is missing"));
    }

    /// <summary>FLOPs count the two ungated MLP matrices of GPT-NeoX, GPT-2 and BLOOM, not Llama's three (parameters: the family tests check them against the built modules).</summary>
    [TestCase("gpt_neox")]
    [TestCase("gpt2")]
    [TestCase("bloom")]
    public void FamilyConfig_CostCountsTwoMlpMatrices(string modelType)
    {
        var c = Parse(FamilyJson(modelType));
        var asLlama = new ModelCost(c with { ModelType = "llama" }, 4);
        Assert.That(asLlama.LinearFlopsPerToken - new ModelCost(c, 4).LinearFlopsPerToken, Is.EqualTo(2.0 * c.NumHiddenLayers * c.HiddenSize * c.IntermediateSize));
    }
}

using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Tests.Models;

public class ModelConfigReaderTests
{
    static ModelConfig Parse(string json) => ModelConfigReader.Parse("m/config.json", JsonNode.Parse(json)!.AsObject());

    const string Llama2 = """
        {"architectures":["LlamaForCausalLM"],"bos_token_id":1,"eos_token_id":2,"hidden_act":"silu","hidden_size":4096,
         "initializer_range":0.02,"intermediate_size":11008,"max_position_embeddings":4096,"model_type":"llama",
         "num_attention_heads":32,"num_hidden_layers":32,"num_key_value_heads":32,"pretraining_tp":1,"rms_norm_eps":1e-05,
         "rope_scaling":null,"tie_word_embeddings":false,"torch_dtype":"float16","transformers_version":"4.31.0.dev0",
         "use_cache":true,"vocab_size":32000}
        """;

    [Test]
    public void Parse_HwfaConfig_NeedsTheWindowOfItsLowerLayers()
    {
        string hwfa = Llama2.Replace("\"model_type\":\"llama\"", "\"model_type\":\"mistral\",\"position_encoding\":\"hwfa\"");
        var c = Parse(hwfa.Replace("\"use_cache\"", "\"sliding_window\":128,\"use_cache\""));
        Assert.That((c.PositionEncoding, c.SlidingWindow), Is.EqualTo(("hwfa", (int?)128)));
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(hwfa.Replace("\"use_cache\"", "\"sliding_window\":null,\"use_cache\"")))!.Message,
            Does.Contain("position_encoding \"hwfa\" needs sliding_window"));
    }

    [Test]
    public void Parse_Llama2Config_ReadsArchitectureAndNoCarriedStrategy()
    {
        var c = Parse(Llama2);
        Assert.That((c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim), Is.EqualTo((4096, 32, 32, 32, 128)));
        Assert.That((c.RopeTheta, c.TrainedLength, c.VocabSize, c.AttentionBias), Is.EqualTo((10000.0, 4096, 32000, false)));
        Assert.That((c.BosTokenId, c.EosTokenIds), Is.EqualTo(((int?)1, new[] { 2 })));
        Assert.That(c.CarriedStrategy, Is.Null);
        Assert.That(c.PositionEncoding, Is.EqualTo("rope"));
    }

    [Test]
    public void Parse_Llama31Config_CarriesLlama3StrategyAndOriginalLength()
    {
        var c = Parse("""
            {"model_type":"llama","hidden_size":4096,"intermediate_size":14336,"num_attention_heads":32,"num_hidden_layers":32,
             "num_key_value_heads":8,"max_position_embeddings":131072,"rms_norm_eps":1e-05,"rope_theta":500000.0,"vocab_size":128256,
             "bos_token_id":128000,"eos_token_id":[128001,128008,128009],
             "rope_scaling":{"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192,"rope_type":"llama3"}}
            """);
        Assert.That(c.CarriedStrategy!.ToString(), Is.EqualTo("llama3:factor=8,high_freq_factor=4,low_freq_factor=1"));
        Assert.That(c.TrainedLength, Is.EqualTo(8192));
        Assert.That(c.EosTokenIds, Is.EqualTo(new[] { 128001, 128008, 128009 }));
        Assert.That(StrategyRegistry.Create(c.CarriedStrategy).Spec.Name, Is.EqualTo("llama3"));
    }

    const string Qwen25 = """
        {"model_type":"qwen2","hidden_size":896,"intermediate_size":4864,"num_attention_heads":14,"num_hidden_layers":24,
         "num_key_value_heads":2,"max_position_embeddings":32768,"rms_norm_eps":1e-06,"rope_theta":1000000.0,"vocab_size":151936,
         "sliding_window":32768,"max_window_layers":21,"tie_word_embeddings":true,"use_sliding_window":false}
        """;

    [Test]
    public void Parse_Qwen2Config_HasAttentionBiasAndNoWindowWhileUseSlidingWindowIsFalse()
    {
        // Qwen2Config.__post_init__: sliding_window = sliding_window if use_sliding_window else None.
        var c = Parse(Qwen25);
        Assert.That((c.AttentionBias, c.TieWordEmbeddings, c.HeadDim, c.SlidingWindow), Is.EqualTo((true, true, 64, (int?)null)));
        Assert.That(Enumerable.Range(0, 24).Select(c.WindowOf), Is.All.Null);
    }

    [Test]
    public void Parse_Qwen2WithUseSlidingWindow_WindowsTheLayersFromMaxWindowLayersOn()
    {
        // layer_types[i] = "sliding_attention" if sliding_window is not None and i >= max_window_layers (Qwen2Config).
        var c = Parse(Qwen25.Replace("\"use_sliding_window\":false", "\"use_sliding_window\":true").Replace("32768,\"max", "4096,\"max"));
        Assert.That((c.SlidingWindow, c.FirstWindowLayer), Is.EqualTo(((int?)4096, 21)));
        Assert.That((c.WindowOf(0), c.WindowOf(20), c.WindowOf(21), c.WindowOf(23)), Is.EqualTo(((int?)null, (int?)null, (int?)4096, (int?)4096)));
        // Qwen2Config's defaults where the fields are absent: sliding_window 4096, max_window_layers 28.
        var defaults = Parse(Qwen25.Replace("\"use_sliding_window\":false", "\"use_sliding_window\":true")
            .Replace("\"sliding_window\":32768,\"max_window_layers\":21,", "").Replace("\"num_hidden_layers\":24", "\"num_hidden_layers\":32"));
        Assert.That((defaults.SlidingWindow, defaults.FirstWindowLayer), Is.EqualTo(((int?)4096, 28)));
    }

    [Test]
    public void Parse_Qwen2WithEveryLayerBeforeMaxWindowLayers_HasNoWindow()
    {
        var c = Parse(Qwen25.Replace("\"use_sliding_window\":false", "\"use_sliding_window\":true").Replace("\"max_window_layers\":21", "\"max_window_layers\":24"));
        Assert.That((c.SlidingWindow, c.FirstWindowLayer), Is.EqualTo(((int?)null, 0)));
    }

    [Test]
    public void Parse_Qwen2LayerTypes_GiveTheFirstWindowedLayer_AndOtherOrdersAreRefused()
    {
        string Types(params string[] kinds) => Qwen25.Replace("\"use_sliding_window\":false", "\"use_sliding_window\":true")
            .Replace("\"num_hidden_layers\":24", "\"num_hidden_layers\":3").Replace("\"max_window_layers\":21", "\"layer_types\":[" + string.Join(",", kinds.Select(k => $"\"{k}_attention\"")) + "]");
        Assert.That(Parse(Types("full", "sliding", "sliding")).FirstWindowLayer, Is.EqualTo(1));
        Assert.That(Parse(Types("full", "full", "full")).SlidingWindow, Is.Null);
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Types("sliding", "full", "sliding")))!.Message, Does.Contain("field \"layer_types\" puts full_attention after sliding_attention"));
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Types("full", "sliding")))!.Message, Does.Contain("\"layer_types\" has 2 entries; num_hidden_layers is 3"));
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Types("full", "chunked", "full")))!.Message, Does.Contain("\"layer_types\" names \"chunked_attention\"; it is not honoured"));
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Types("full", "full", "sliding").Replace("\"use_sliding_window\":true", "\"use_sliding_window\":false")))!.Message,
            Does.Contain("names sliding_attention layers, but there is no window"));
    }

    const string Mistral7B = """
        {"architectures":["MistralForCausalLM"],"bos_token_id":1,"eos_token_id":2,"hidden_act":"silu","hidden_size":4096,"initializer_range":0.02,
         "intermediate_size":14336,"max_position_embeddings":32768,"model_type":"mistral","num_attention_heads":32,"num_hidden_layers":32,
         "num_key_value_heads":8,"rms_norm_eps":1e-05,"rope_theta":10000.0,"sliding_window":4096,"tie_word_embeddings":false,
         "torch_dtype":"bfloat16","transformers_version":"4.34.0.dev0","use_cache":true,"vocab_size":32000}
        """;

    [Test]
    public void Parse_MistralConfig_WindowsEveryLayer_AbsentIsMistralConfigsDefault_NullIsNone()
    {
        var c = Parse(Mistral7B);
        Assert.That((c.SlidingWindow, c.FirstWindowLayer, c.WindowOf(0), c.WindowOf(31)), Is.EqualTo(((int?)4096, 0, (int?)4096, (int?)4096)));
        Assert.That(Parse(Mistral7B.Replace("\"sliding_window\":4096,", "\"sliding_window\":null,")).SlidingWindow, Is.Null);
        Assert.That(Parse(Mistral7B.Replace("\"sliding_window\":4096,", "")).SlidingWindow, Is.EqualTo(ModelConfigReader.DefaultSlidingWindow));
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Mistral7B.Replace("\"sliding_window\":4096", "\"sliding_window\":0")))!.Message,
            Does.Contain("field \"sliding_window\" is 0; expected a whole number above 0"));
    }

    [Test]
    public void Parse_LlamaWithASlidingWindow_IsRefusedNamingTheField_ANullOneIsFine()
    {
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Llama2.Replace("\"use_cache\":true", "\"sliding_window\":1024")))!.Message,
            Does.StartWith("m/config.json: field \"sliding_window\" is 1024 for model_type llama; it is not honoured"));
        Assert.That(Parse(Llama2.Replace("\"use_cache\":true", "\"sliding_window\":null")).SlidingWindow, Is.Null);
    }

    [TestCase("use_sliding_window", "true")]
    [TestCase("max_window_layers", "28")]
    [TestCase("layer_types", "[]")]
    public void Parse_Qwen2FieldInAMistralConfig_IsRefusedNamingIt(string field, string value)
    {
        var json = JsonNode.Parse(Mistral7B)!.AsObject();
        json[field] = JsonNode.Parse(value);
        Assert.That(Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse("m/config.json", json))!.Message,
            Does.Contain($"field \"{field}\" is not honoured for model_type mistral"));
    }

    [Test]
    public void Parse_MistralConfigWithYarnScaling_CarriesYarn()
    {
        var c = Parse("""
            {"model_type":"mistral","hidden_size":4096,"intermediate_size":14336,"num_attention_heads":32,"num_hidden_layers":32,
             "num_key_value_heads":8,"max_position_embeddings":131072,"rms_norm_eps":1e-05,"rope_theta":10000.0,"vocab_size":32000,
             "rope_scaling":{"type":"yarn","factor":16.0,"original_max_position_embeddings":8192}}
            """);
        Assert.That(c.CarriedStrategy!.ToString(), Is.EqualTo("yarn:factor=16"));
        Assert.That(c.TrainedLength, Is.EqualTo(8192));
    }

    [Test]
    public void Parse_ExplicitHeadDim_OverridesHiddenOverHeads()
    {
        var c = Parse(Llama2.Replace("\"hidden_size\":4096", "\"hidden_size\":4096,\"head_dim\":256"));
        Assert.That(c.HeadDim, Is.EqualTo(256));
    }

    [TestCase("\"model_type\":\"llama\"", "\"model_type\":\"lama\"", "model_type \"lama\" is not supported. Supported: llama, mistral, qwen2, gpt_neox, gpt2, phi3, bloom. Did you mean \"llama\"?")]
    [TestCase("\"hidden_size\":4096,", "", "required field \"hidden_size\" is missing")]
    [TestCase("\"vocab_size\":32000", "\"vocab_size\":\"many\"", "field \"vocab_size\" is \"many\"; expected a whole number")]
    [TestCase("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"magic\",\"factor\":2}", "rope_scaling type \"magic\" is not supported")]
    [TestCase("\"num_key_value_heads\":32", "\"num_key_value_heads\":5", "not a multiple of num_key_value_heads 5")]
    public void Parse_BadField_NamesFileFieldAndReason(string from, string to, string expected)
    {
        var e = Assert.Throws<ModelConfigException>(() => Parse(Llama2.Replace(from, to)));
        Assert.That(e!.Message, Does.StartWith("m/config.json: ").And.Contain(expected));
    }

    [Test]
    public void WriteThenRead_ZooConfig_RoundTrips()
    {
        string path = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}.json");
        var config = Parse(Llama2) with { PositionEncoding = "alibi", TieWordEmbeddings = true, EosTokenIds = [2] };
        try
        {
            ModelConfigReader.Write(path, config);
            Assert.That(ModelConfigReader.Read(path) with { EosTokenIds = config.EosTokenIds }, Is.EqualTo(config).Using<ModelConfig>((a, b) => a.ToString() == b.ToString()));
        }
        finally { File.Delete(path); }
    }

    [TestCase("num_hidden_layers", "-1")]
    [TestCase("vocab_size", "-5")]
    [TestCase("rope_theta", "-10000")]
    [TestCase("num_attention_heads", "0")]
    [TestCase("max_position_embeddings", "0")]
    [TestCase("rms_norm_eps", "-1e-5")]
    public void Parse_NonPositiveSizeOrTheta_ThrowsNamingFieldAndValue(string field, string value)
    {
        var json = JsonNode.Parse(Llama2)!.AsObject();
        json[field] = JsonNode.Parse(value);
        var e = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse("m/config.json", json))!;
        Assert.That(e.Message, Does.Contain("m/config.json").And.Contain(field).And.Contain("above 0"));
    }

    // Survivors of Stryker's run over Eval.Core (issue #23): fields whose reading no test held.

    [Test]
    public void Parse_RopeParametersOfTransformers5_AreReadLikeRopeScaling()
    {
        var config = Parse(Llama2.Replace("\"rope_scaling\":null",
            "\"rope_parameters\":{\"rope_type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":4096,\"rope_theta\":500000.0}"));
        Assert.That(config.CarriedStrategy, Is.EqualTo(StrategySpec.Create("yarn", new Dictionary<string, string> { ["factor"] = "4" })));
        Assert.That((config.OriginalMaxPositionEmbeddings, config.RopeTheta), Is.EqualTo(((int?)4096, 500000.0)));
    }

    [Test]
    public void Parse_OriginalLengthOfZero_IsRefused() =>
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Llama2.Replace("\"rope_scaling\":null", "\"original_max_position_embeddings\":0")))!.Message,
            Does.Contain("\"original_max_position_embeddings\" is 0; expected a whole number above 0"));

    [Test]
    public void Parse_AttentionBias_ExplicitValueBeatsTheModelTypesDefault()
    {
        Assert.That(Parse(Llama2.Replace("\"use_cache\":true", "\"attention_bias\":true")).AttentionBias, Is.True);
        Assert.That(Parse(Llama2.Replace("\"model_type\":\"llama\"", "\"model_type\":\"qwen2\"").Replace("\"use_cache\":true", "\"attention_bias\":false")).AttentionBias, Is.False);
    }

    [Test]
    public void Parse_Dtype_TorchDtypeFirstThenTransformers5sDtype()
    {
        Assert.That(Parse(Llama2).TorchDtype, Is.EqualTo("float16"));
        Assert.That(Parse(Llama2.Replace("\"torch_dtype\":\"float16\"", "\"dtype\":\"bfloat16\"")).TorchDtype, Is.EqualTo("bfloat16"));
        Assert.That(Parse(Llama2.Replace("\"use_cache\":true", "\"dtype\":\"bfloat16\"")).TorchDtype, Is.EqualTo("float16"));
    }

    [Test]
    public void Parse_HiddenSizeNotDivisibleByHeadsWithoutHeadDim_IsRefused() =>
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(Llama2.Replace("\"hidden_size\":4096", "\"hidden_size\":4100")))!.Message,
            Does.Contain("hidden_size 4100 is not divisible by num_attention_heads 32 and no head_dim is given"));

    [TestCase("\"rope_theta\":\"big\"", "field \"rope_theta\" is \"big\"; expected a number")]
    [TestCase("\"tie_word_embeddings\":\"yes\"", "field \"tie_word_embeddings\" is \"yes\"; expected true or false")]
    [TestCase("\"torch_dtype\":16", "field \"torch_dtype\" is 16; expected a string")]
    public void Parse_FieldOfTheWrongKind_NamesItAndWhatWasExpected(string field, string expected)
    {
        var json = JsonNode.Parse(Llama2)!.AsObject();
        var (key, value) = (field.Split(':')[0].Trim('"'), field[(field.IndexOf(':') + 1)..]);
        json[key] = JsonNode.Parse(value);
        Assert.That(Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse("m/config.json", json))!.Message, Does.Contain(expected));
    }

    [TestCase(new[] { 2 })]
    [TestCase(new[] { 2, 7 })]
    public void WriteThenRead_EosIdsAndACarriedYarnWithAFlag_RoundTrip(int[] eos)
    {
        string path = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}.json");
        var yarn = StrategySpec.Create("yarn", new Dictionary<string, string> { ["factor"] = "4", ["truncate"] = "false" });
        var config = Parse(Llama2) with { EosTokenIds = eos, CarriedStrategy = yarn, OriginalMaxPositionEmbeddings = 4096 };
        try
        {
            ModelConfigReader.Write(path, config);
            var read = ModelConfigReader.Read(path);
            Assert.That(read.EosTokenIds, Is.EqualTo(eos));
            Assert.That((read.CarriedStrategy, read.OriginalMaxPositionEmbeddings), Is.EqualTo((yarn, (int?)4096)));
        }
        finally { File.Delete(path); }
    }
}

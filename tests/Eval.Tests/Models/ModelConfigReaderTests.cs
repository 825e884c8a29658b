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

    [Test]
    public void Parse_Qwen2Config_HasAttentionBiasAndSlidingWindow()
    {
        var c = Parse("""
            {"model_type":"qwen2","hidden_size":896,"intermediate_size":4864,"num_attention_heads":14,"num_hidden_layers":24,
             "num_key_value_heads":2,"max_position_embeddings":32768,"rms_norm_eps":1e-06,"rope_theta":1000000.0,"vocab_size":151936,
             "sliding_window":32768,"tie_word_embeddings":true,"use_sliding_window":false}
            """);
        Assert.That((c.AttentionBias, c.TieWordEmbeddings, c.HeadDim, c.SlidingWindow), Is.EqualTo((true, true, 64, (int?)32768)));
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

    [TestCase("\"model_type\":\"llama\"", "\"model_type\":\"lama\"", "model_type \"lama\" is not supported. Supported: llama, mistral, qwen2. Did you mean \"llama\"?")]
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

using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Runtime;

namespace Eval.Tests.Models;

/// <summary>
/// Issue #33: no config.json field is silently dropped. Every field of <see cref="ModelConfigReader.Fields"/> that is
/// honoured must change the parsed config (or be refused, naming it) when its value changes; every ignored one must not;
/// any other field is refused, naming it. A field added to the table without a case here fails these tests.
/// </summary>
public partial class ConfigFieldTableTests
{
    /// <summary>A Qwen2 config (the type every field applies to) with a window from layer 1 and a YaRN block.</summary>
    const string Base = """
        {"model_type":"qwen2","vocab_size":1000,"hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,
         "head_dim":16,"intermediate_size":128,"hidden_act":"silu","mlp_bias":false,"rms_norm_eps":1e-6,"rope_theta":10000.0,
         "rope_scaling":{"rope_type":"yarn","factor":2.0},"rope_interleaved":false,"max_position_embeddings":1024,
         "original_max_position_embeddings":512,"tie_word_embeddings":false,"attention_bias":true,"position_encoding":"rope",
         "bos_token_id":1,"eos_token_id":2,"torch_dtype":"bfloat16","sliding_window":64,"use_sliding_window":true,"max_window_layers":1}
        """;

    static JsonObject BaseJson() => JsonNode.Parse(Base)!.AsObject();

    /// <summary>Parsed as read from a file (through its text: nodes built in code hold CLR values, not JSON numbers).</summary>
    static ModelConfig Parse(JsonObject json) => ModelConfigReader.Parse("m/config.json", JsonNode.Parse(json.ToJsonString())!.AsObject());

    /// <summary>Everything a parsed config says, arrays included (records compare arrays by reference).</summary>
    static string Describe(ModelConfig c) => (c with { EosTokenIds = [] }) + " eos=" + string.Join(",", c.EosTokenIds);

    /// <summary>For each honoured field, a change of its value (and what else must change with it for the config to stay valid).</summary>
    static readonly Dictionary<string, Action<JsonObject>> HonouredChanges = new()
    {
        ["model_type"] = j => { j["model_type"] = "mistral"; j.Remove("use_sliding_window"); j.Remove("max_window_layers"); },
        ["vocab_size"] = j => j["vocab_size"] = 2000,
        ["hidden_size"] = j => j["hidden_size"] = 128,
        ["num_hidden_layers"] = j => j["num_hidden_layers"] = 5,
        ["num_attention_heads"] = j => j["num_attention_heads"] = 8,
        ["num_key_value_heads"] = j => j["num_key_value_heads"] = 1,
        ["head_dim"] = j => j["head_dim"] = 32,
        ["intermediate_size"] = j => j["intermediate_size"] = 256,
        ["hidden_act"] = j => j["hidden_act"] = "gelu",
        ["mlp_bias"] = j => j["mlp_bias"] = true,
        ["rms_norm_eps"] = j => j["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = j => j["rope_theta"] = 500000.0,
        ["rope_scaling"] = j => j["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 },
        ["rope_parameters"] = j => { j.Remove("rope_scaling"); j["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0 }; },
        ["rope_interleaved"] = j => j["rope_interleaved"] = true,
        ["max_position_embeddings"] = j => j["max_position_embeddings"] = 2048,
        ["original_max_position_embeddings"] = j => j["original_max_position_embeddings"] = 256,
        ["tie_word_embeddings"] = j => j["tie_word_embeddings"] = true,
        ["attention_bias"] = j => j["attention_bias"] = false,
        ["position_encoding"] = j => j["position_encoding"] = "nope",
        ["bos_token_id"] = j => j["bos_token_id"] = 5,
        ["eos_token_id"] = j => j["eos_token_id"] = new JsonArray(2, 7),
        ["torch_dtype"] = j => j["torch_dtype"] = "float32",
        ["dtype"] = j => { j.Remove("torch_dtype"); j["dtype"] = "float16"; },
        ["sliding_window"] = j => j["sliding_window"] = 32,
        ["use_sliding_window"] = j => j["use_sliding_window"] = false,
        ["max_window_layers"] = j => j["max_window_layers"] = 2,
        ["layer_types"] = j => j["layer_types"] = new JsonArray("full_attention", "full_attention", "full_attention", "sliding_attention"),
    };

    /// <summary>For each ignored field, a value that must leave the parsed config as it was.</summary>
    static readonly Dictionary<string, JsonNode> IgnoredValues = new()
    {
        ["architectures"] = new JsonArray("SomethingElseForCausalLM"),
        ["transformers_version"] = "9.9.9",
        ["_name_or_path"] = "/somewhere/else",
        ["is_llama_config"] = true,
        ["use_cache"] = false,
        ["initializer_range"] = 0.5,
        ["pad_token_id"] = 7,
        ["attention_dropout"] = 0.1,
        ["pretraining_tp"] = 2,
    };

    [Test]
    public void Table_EveryFieldHasACaseHere()
    {
        Assert.That(HonouredChanges.Keys, Is.EquivalentTo(ModelConfigReader.Fields.Where(f => f.Use == ConfigFieldUse.Honoured).Select(f => f.Name)));
        Assert.That(IgnoredValues.Keys, Is.EquivalentTo(ModelConfigReader.Fields.Where(f => f.Use == ConfigFieldUse.Ignored).Select(f => f.Name)));
        Assert.That(ModelConfigReader.Fields.Select(f => f.Name), Is.Unique);
        Assert.That(ModelConfigReader.Fields.Where(f => f.Use == ConfigFieldUse.Ignored).Select(f => f.Reason), Has.All.Match("^[a-z-]+$"), "one word each");
    }

    [TestCaseSource(nameof(HonouredNames))]
    public void HonouredField_Changed_ChangesTheParsedConfigOrIsRefusedNamingIt(string field)
    {
        string before = Describe(Parse(BaseJson()));
        var changed = BaseJson();
        HonouredChanges[field](changed);
        ModelConfig after;
        try { after = Parse(changed); }
        catch (ModelConfigException e)
        {
            Assert.That(e.Message, Does.Contain($"\"{field}\"").And.Contain("not honoured"), "a refused value names the field and says it is not honoured");
            return;
        }
        Assert.That(Describe(after), Is.Not.EqualTo(before), $"changing {field} changed nothing: it is dropped");
    }

    static IEnumerable<string> HonouredNames() => HonouredChanges.Keys;

    [TestCaseSource(nameof(IgnoredNames))]
    public void IgnoredField_AnyValue_LeavesTheParsedConfigAsItWas(string field)
    {
        var json = BaseJson();
        json[field] = IgnoredValues[field].DeepClone();
        Assert.That(Describe(Parse(json)), Is.EqualTo(Describe(Parse(BaseJson()))));
    }

    static IEnumerable<string> IgnoredNames() => IgnoredValues.Keys;

    [TestCase("rope_scailing", "Did you mean \"rope_scaling\"?")]
    [TestCase("quantization_config", "field \"quantization_config\" is not honoured")]
    [TestCase("num_experts", "field \"num_experts\" is not honoured")]
    public void UnknownField_IsRefusedNamingIt(string field, string expected)
    {
        var json = BaseJson();
        json[field] = new JsonObject();
        var e = Assert.Throws<ModelConfigException>(() => Parse(json))!;
        Assert.That(e.Message, Does.StartWith($"m/config.json: field \"{field}\" is not honoured").And.Contain(expected));
    }

    [Test]
    public void RopeScalingAndRopeParameters_ThatDiffer_AreRefused_TheSameBlockTwiceIsRead()
    {
        var json = BaseJson();
        json["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0 };
        Assert.That(Assert.Throws<ModelConfigException>(() => Parse(json))!.Message, Does.Contain("\"rope_scaling\" and \"rope_parameters\" both describe RoPE and differ"));
        json["rope_parameters"] = json["rope_scaling"]!.DeepClone();
        Assert.That(Parse(json).CarriedStrategy!.ToString(), Is.EqualTo("yarn:factor=2"));
    }

    /// <summary>Every config.json committed to the repository loads under the field table (the zoo's, written by <see cref="ModelConfigReader.Write"/>).</summary>
    [Test]
    public void CommittedConfigs_AllLoad()
    {
        var configs = Directory.EnumerateFiles(RepositoryPaths.Require("suites"), "config.json", SearchOption.AllDirectories).ToList();
        Assert.That(configs, Is.Not.Empty);
        foreach (string path in configs)
            Assert.DoesNotThrow(() => ModelConfigReader.Read(path), path);
    }

    [TestCase("mistral", 4096, 0)]
    [TestCase("mistral", null, 0)]
    [TestCase("qwen2", 64, 2)]
    [TestCase("qwen2", null, 0)]
    [TestCase("llama", null, 0)]
    public void WriteThenRead_SlidingWindow_RoundTrips(string modelType, int? window, int firstLayer)
    {
        string path = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}.json");
        var config = Parse(BaseJson()) with { ModelType = modelType, SlidingWindow = window, FirstWindowLayer = firstLayer };
        try
        {
            ModelConfigReader.Write(path, config);
            Assert.That(Describe(ModelConfigReader.Read(path)), Is.EqualTo(Describe(config)));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Write_AWindowTheModelTypeCannotCarry_IsRefused()
    {
        var config = Parse(BaseJson()) with { ModelType = "llama", SlidingWindow = 64, FirstWindowLayer = 0 };
        Assert.Throws<ModelConfigException>(() => ModelConfigReader.Write(Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.json"), config));
    }
}

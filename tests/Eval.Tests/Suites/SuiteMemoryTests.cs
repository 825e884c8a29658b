using System.Text.Json.Nodes;
using Eval.Core.Suites;
using Eval.Tests.Fakes;

namespace Eval.Tests.Suites;

/// <summary>Lengths are validated against each model: a case that cannot fit in this machine's memory is refused with the figure.</summary>
public class SuiteMemoryTests
{
    string root = "";

    [SetUp]
    public void CreateZoo()
    {
        root = TempZoo.Create("suite-memory-tests", ("small", "rope"), ("huge", "rope"));
        // Llama-2-70B's shape: about 69B parameters, 276 GB in fp32, whatever the length.
        File.WriteAllText(Path.Combine(root, "suites", "zoo", "huge", "config.json"), new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 32000, ["hidden_size"] = 8192, ["num_hidden_layers"] = 80, ["num_attention_heads"] = 64,
            ["num_key_value_heads"] = 8, ["intermediate_size"] = 28672, ["max_position_embeddings"] = 4096,
        }.ToJsonString());
    }

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    SuiteLoadResult Load(string model)
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, $"name: t\nmodels: [{model}]\nstrategies: [default]\nlengths: [256, 4096]\ntasks: [perplexity]\n");
        return SuiteLoader.Load(path);
    }

    [Test]
    public void Load_ModelTooLargeForThisMachine_IsRefusedWithTheFigure()
    {
        var result = Load("zoo:huge");

        Assert.That(result.Suite, Is.Null);
        Assert.That(result.Errors.Single().Message, Does.Match(@"Length 4096 for model zoo:huge needs at least 25\d\.\d GiB \(fp32 weights 25\d\.\d GiB \+ KV cache 2\.5 GiB\); this machine has"));
    }

    [Test]
    public void Load_SmallModel_Validates() => Assert.That(Load("zoo:small").Errors, Is.Empty);
}

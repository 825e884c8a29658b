using System.Text.Json;
using Eval.Cli;
using Eval.Core.Models;
using Eval.Core.Corpora;
using Eval.Core.Positional;
using Eval.Core.Tasks;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Cli;

public class ScoreCommandTests
{
    string dir = "";

    [SetUp]
    public void WriteCheckpoint()
    {
        dir = TinyCheckpoint.TempDirectory();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 16));
        TinyCheckpoint.Write(model, Path.Combine(dir, "model"));
        File.WriteAllText(Path.Combine(dir, "tokens.txt"), string.Join(" ", Enumerable.Range(0, 70).Select(i => 3 + i * 37 % 4000)) + "\n");
    }

    [TearDown] public void Remove() => Directory.Delete(dir, recursive: true);

    static (int Exit, string Out, string Err) Eval(params string[] args) => global::Eval.Tests.Cli.CliRunner.Run(args);

    /// <summary>A gzipped corpus file scores as its text; the same bytes under another name are refused, not scored as text.</summary>
    [Test]
    public void Score_GzippedText_ScoresTheTextAndBinaryUnderATextNameIsRefused()
    {
        string text = string.Concat(Enumerable.Repeat("The passkey is 42917. Remember it. ", 40));
        string plain = Path.Combine(dir, "doc.txt"), packed = Path.Combine(dir, "doc.txt.gz"), misnamed = Path.Combine(dir, "packed.txt");
        File.WriteAllText(plain, text);
        using (var gzip = new System.IO.Compression.GZipStream(File.Create(packed), System.IO.Compression.CompressionLevel.Optimal))
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
        File.Copy(packed, misnamed);
        string[] Args(string file) => ["score", "--model", Path.Combine(dir, "model"), "--text", file, "--length", "32", "--protocol", "chunks", "--json"];
        var (exitPlain, outPlain, errPlain) = Eval(Args(plain));
        var (exitPacked, outPacked, errPacked) = Eval(Args(packed));
        Assert.That((exitPlain, exitPacked), Is.EqualTo((0, 0)), errPlain + errPacked);
        Assert.That(outPacked, Is.EqualTo(outPlain));
        var (exit, _, error) = Eval(Args(misnamed));
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(misnamed).And.Contain("NUL"));
    }

    [TestCase("default")]
    [TestCase("yarn:factor=2")]
    [TestCase("rerope:window=8")]
    public void Score_TokenFile_EqualsChunkedScoringAndPrintsOneJsonObject(string strategy)
    {
        var (exit, output, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"),
            "--length", "32", "--protocol", "chunks", "--strategy", strategy, "--json");
        Assert.That(exit, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "nll_sum", "tokens", "ppl" }));
        Assert.That(json.RootElement.GetProperty("tokens").GetInt64(), Is.EqualTo(2 * 31), "70 tokens: two chunks of 32, remainder dropped");

        using var lm = TorchLanguageModel.Load(Path.Combine(dir, "model"), ScalarType.Float32);
        lm.Strategy = StrategyRegistry.Create(strategy);
        int[] ids = File.ReadAllText(Path.Combine(dir, "tokens.txt")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        double expected = lm.Score([new ScoringWindow(ids[..32], 1), new ScoringWindow(ids[32..64], 1)]).Sum(s => s.Nll.Sum(x => (double)x));
        Assert.That(json.RootElement.GetProperty("nll_sum").GetDouble(), Is.EqualTo(expected).Within(1e-4));
        Assert.That(json.RootElement.GetProperty("ppl").GetDouble(), Is.EqualTo(Math.Exp(expected / 62)).Within(1e-6).Percent);
    }

    [TestCase(PositionEncoding.Alibi, "alibi")]
    [TestCase(PositionEncoding.Learned, "learned")]
    [TestCase(PositionEncoding.Rope, "default")]
    public void Score_WithoutStrategy_ScoresTheModelAsTrained(PositionEncoding encoding, string native)
    {
        // An ALiBi (BLOOM) or learned-position (GPT-2) model has no RoPE to leave unscaled: without --strategy it scores
        // by its own encoding, to the same figure as naming that encoding.
        string model = Path.Combine(dir, "native");
        using (var random = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(encoding, trainedLength: 32)))
            TinyCheckpoint.Write(random, model);
        string[] common = ["score", "--model", model, "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32", "--protocol", "chunks", "--json"];
        var unnamed = Eval(common);
        var named = Eval([.. common, "--strategy", native]);
        Assert.That(unnamed.Exit, Is.EqualTo(0), unnamed.Err);
        Assert.That(named.Exit, Is.EqualTo(0), named.Err);
        Assert.That(unnamed.Out, Is.EqualTo(named.Out));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Score_CheckpointWithNaNWeights_ExitsOneWithTheReason(bool json)
    {
        using (var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 16)))
        {
            using (no_grad()) model.named_parameters().Single(p => p.name == "model.layers.0.self_attn.q_proj.weight").parameter[0, 0] = float.NaN;
            TinyCheckpoint.Write(model, Path.Combine(dir, "nan-model"));
        }
        string[] args = ["score", "--model", Path.Combine(dir, "nan-model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32", "--protocol", "chunks"];
        var (exit, output, error) = Eval(json ? [.. args, "--json"] : args);
        Assert.That(exit, Is.EqualTo(ExitCodes.CaseFailed), output + error);
        Assert.That(error, Does.Contain("ppl is NaN").And.Contain("window 1 of 2").And.Contain("NaN or infinite"));
        Assert.That(output, Does.Not.Contain("ppl"), "no figure is printed");
    }

    [Test]
    public void Score_TokenFile_PrintsPerplexityPlusMinusItsStandardError()
    {
        var (exit, output, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32", "--protocol", "chunks");
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Match(@"ppl=\d+\.\d{4} \+/- \d+\.\d{4}"));
    }

    [Test]
    public void Score_TextFile_TokenizesWithTheModelsTokenizer()
    {
        File.WriteAllText(Path.Combine(dir, "text.txt"), string.Concat(Enumerable.Repeat("The grass is green. The sky is blue. ", 20)));
        var (exit, output, _) = Eval("score", "--model", Path.Combine(dir, "model"), "--text", Path.Combine(dir, "text.txt"), "--length", "16");
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("L=16").And.Contain("ppl="));
    }

    [TestCase("sliding")]
    [TestCase("chunks")]
    [TestCase("tail")]
    public void Score_TextFileByEachProtocol_EqualsTheSuiteTaskOnThatText(string protocol)
    {
        string text = string.Concat(Enumerable.Range(0, 60).Select(i => $"Line {i % 7}: the grass is green, the sky is blue. "));
        File.WriteAllText(Path.Combine(dir, "text.txt"), text);
        string[] args = ["score", "--model", Path.Combine(dir, "model"), "--text", Path.Combine(dir, "text.txt"), "--length", "32", "--protocol", protocol, "--json"];
        var (exit, output, error) = Eval([.. args, "--stride", "12"]);
        if (protocol != "sliding")
        {
            Assert.That((exit, error.Trim()), Is.EqualTo((2, $"--protocol, --stride, --tail-fraction, --min-context: Task \"perplexity\": stride applies only to protocol sliding, and protocol is {protocol}.")));
            (exit, output, error) = Eval(args);
        }
        Assert.That(exit, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);

        // The suite's task on the same text as its one document, with the same protocol and no window limit.
        using var lm = TorchLanguageModel.Load(Path.Combine(dir, "model"), ScalarType.Float32);
        var parameters = new Dictionary<string, string> { ["protocol"] = protocol, ["documents"] = "1", ["windows"] = "100000" };
        if (protocol == "sliding") parameters["stride"] = "12";
        var suite = new PerplexityTask(parameters, () => [new Document("text", text)]).Run(lm, 32, 1, null, CancellationToken.None).Metrics.Single(m => m.Name == "ppl");
        Assert.That(json.RootElement.GetProperty("tokens").GetInt64(), Is.EqualTo(suite.Count));
        Assert.That(json.RootElement.GetProperty("nll_sum").GetDouble(), Is.EqualTo(suite.Sum).Within(1e-9).Percent);
    }

    [TestCase("sliding")]
    [TestCase("chunks")]
    public void Score_MinContext_EqualsTheSuiteTaskWithMinContext(string protocol)
    {
        string text = string.Concat(Enumerable.Range(0, 60).Select(i => $"Line {i % 7}: the grass is green, the sky is blue. "));
        File.WriteAllText(Path.Combine(dir, "text.txt"), text);
        var (exit, output, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--text", Path.Combine(dir, "text.txt"), "--length", "32", "--protocol", protocol,
            "--min-context", "20", "--json");
        Assert.That(exit, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        using var lm = TorchLanguageModel.Load(Path.Combine(dir, "model"), ScalarType.Float32);
        var parameters = new Dictionary<string, string> { ["protocol"] = protocol, ["documents"] = "1", ["windows"] = "100000", ["min_context"] = "20" };
        var suite = new PerplexityTask(parameters, () => [new Document("text", text)]).Run(lm, 32, 1, null, CancellationToken.None).Metrics.Single(m => m.Name == "ppl");
        Assert.That(json.RootElement.GetProperty("tokens").GetInt64(), Is.EqualTo(suite.Count));
        Assert.That(json.RootElement.GetProperty("nll_sum").GetDouble(), Is.EqualTo(suite.Sum).Within(1e-9).Percent);
        int stream = lm.Encode(text).Count + (lm.BosId is null ? 0 : 1);
        Assert.That(suite.Count, Is.EqualTo(protocol == "sliding" ? stream - 20 : stream / 32 * 12), "sliding: every token from the 20th; chunks: 12 of each 32");
    }

    [Test]
    public void Score_TailWithChunks_ScoresTheFirstNWindowsAsLlamaCpp()
    {
        File.WriteAllText(Path.Combine(dir, "tokens.txt"), string.Join(" ", Enumerable.Range(0, 200).Select(i => 3 + i * 37 % 4000)));
        var (exit, output, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"),
            "--length", "32", "--protocol", "tail", "--chunks", "4");
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("tail window=32 scored_fraction=0.5").And.Contain("windows=4  tokens scored=60 "), "4 of 6 windows, 15 targets each");
    }

    [Test]
    public void Score_DefaultProtocol_IsTheSuitesSlidingWindow()
    {
        var (exit, output, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32");
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"sliding window=32 stride={Math.Min(32, PerplexityProtocol.DefaultStride)}").And.Contain("windows=3  tokens scored=67 "),
            "70 tokens, stride capped at L: [0,32) [32,64) [64,70), each scoring all but its first token (31 + 31 + 5)");
    }

    /// <summary>bf16 is slower than fp32 on a CPU without bf16 matrix instructions: score says so there, and only there.</summary>
    [Test]
    public void Score_Bf16_WarnsExactlyWhereTheCpuHasNoBf16Instructions()
    {
        var (exit, _, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32", "--dtype", "bf16");
        Assert.That(exit, Is.EqualTo(0), error);
        bool warned = error.Contains("this CPU lists no bf16 matrix instructions");
        Assert.That(warned, Is.EqualTo(global::Eval.Core.Runtime.CpuFeatures.Bf16Matmul == false), error);
        (exit, _, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32");
        Assert.That((exit, error.Contains("bf16")), Is.EqualTo((0, false)), error);
    }

    [TestCase("--length", "1", "--length 1 is not valid")]
    [TestCase("--protocol", "tial", "Did you mean \"tail\"?")]
    [TestCase("--stride", "0", "stride=0 is not valid")]
    [TestCase("--chunks", "0", "--chunks 0 is not valid")]
    [TestCase("--min-context", "32", "--min-context 32 is not valid with --length 32: it must lie in [0, 31]")]
    [TestCase("--min-context", "-1", "min_context=-1 is not valid")]
    [TestCase("--strategy", "yarnn", "Did you mean \"yarn\"?")]
    [TestCase("--strategy", "alibi", "cannot run on a model trained with Rope")]
    [TestCase("--dtype", "fp8", "--dtype \"fp8\" is not valid. Valid: fp32, bf16")]
    public void Score_BadOption_ExitsTwoNamingIt(string option, string value, string expected)
    {
        var args = new List<string> { "score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "32" };
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value; else args.AddRange([option, value]);
        var (exit, _, error) = Eval([.. args]);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public void Score_BadModelDirectoryOrMissingTokenizer_ExitsTwo()
    {
        var missing = Eval("score", "--model", Path.Combine(dir, "nothing"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "8");
        Assert.That((missing.Exit, missing.Err.Contains("is not a directory")), Is.EqualTo((2, true)), missing.Err);
        File.Delete(Path.Combine(dir, "model", "tokenizer.model"));
        var noTokenizer = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", Path.Combine(dir, "tokens.txt"), "--length", "8");
        Assert.That(noTokenizer.Exit, Is.EqualTo(2));
        Assert.That(noTokenizer.Err, Does.Contain("no tokenizer found. Looked for: tokenizer.model, tokenizer.json, *.tiktoken"));
    }

    [Test]
    public void Config_WithRopeScalingBlock_ResolvesToTheIntendedStrategy()
    {
        string config = Path.Combine(dir, "model", "config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["rope_scaling"] = new System.Text.Json.Nodes.JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0, ["original_max_position_embeddings"] = 16 };
        json["max_position_embeddings"] = 64;
        File.WriteAllText(config, json.ToJsonString());
        var parsed = ModelConfigReader.Read(config);
        Assert.That(parsed.CarriedStrategy!.ToString(), Is.EqualTo("yarn:factor=4"));
        using var lm = TorchLanguageModel.Load(Path.Combine(dir, "model"), ScalarType.Float32);
        Assert.That(lm.TrainedLength, Is.EqualTo(16), "L0 is the original length, not the extended one");
    }

    [Test]
    public void Score_TokenIdMinusOne_ExitsTwoNamingIt()
    {
        string tokens = Path.Combine(dir, "minus-one.txt");
        File.WriteAllText(tokens, string.Join(' ', Enumerable.Repeat("5", 40).Append("-1")));
        var (exit, _, error) = Eval("score", "--model", Path.Combine(dir, "model"), "--tokens", tokens, "--length", "8");
        Assert.That(exit, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("token id -1 is outside the model's vocabulary"));
    }
}

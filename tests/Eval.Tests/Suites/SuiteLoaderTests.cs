using System.Text.Json.Nodes;
using Eval.Core.Suites;

namespace Eval.Tests.Suites;

/// <summary>Validation of malformed suites: each problem at file:line:column with the valid options, all at once.</summary>
public class SuiteLoaderTests
{
    string root = "";

    [SetUp]
    public void CreateZoo()
    {
        root = Path.Combine(Path.GetTempPath(), "suite-tests", Guid.NewGuid().ToString("N"));
        foreach (var (name, encoding) in new[] { ("rope-a", "rope"), ("alibi-a", "alibi"), ("llama3-a", "rope") })
        {
            string dir = Path.Combine(root, "suites", "zoo", name);
            Directory.CreateDirectory(dir);
            var config = new JsonObject
            {
                ["model_type"] = "llama", ["vocab_size"] = 64, ["hidden_size"] = 16, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
                ["intermediate_size"] = 32, ["max_position_embeddings"] = 256, ["position_encoding"] = encoding,
            };
            if (name == "llama3-a")
                config["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 64 };
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        }
    }

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    const string Valid = """
        name: t
        models:
          - zoo:rope-a
          - { path: "zoo:alibi-a", strategies: [alibi] }
        strategies:
          - default
          - { name: yarn, factor: auto }
        lengths: { multiples: [1, 2, 4] }
        tasks:
          - perplexity: { protocol: chunks }
          - passkey: { depths: [0, 0.5, 1], trials: 2 }
        """;

    SuiteLoadResult Load(string text)
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, text);
        return SuiteLoader.Load(path);
    }

    SuiteError Single(string text)
    {
        var result = Load(text);
        Assert.That(result.Suite, Is.Null);
        Assert.That(result.Errors, Has.Count.EqualTo(1), string.Join("\n", result.Errors));
        return result.Errors[0];
    }

    /// <summary>Issue #33: the runtime refuses attention sinks under a sliding window that hides keys; the suite says so first.</summary>
    [Test]
    public void Load_SinksOnAModelWhoseSlidingWindowHidesKeys_IsAnErrorNamingTheModelAndTheField()
    {
        string dir = Path.Combine(root, "suites", "zoo", "mistral-a");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), new JsonObject
        {
            ["model_type"] = "mistral", ["vocab_size"] = 64, ["hidden_size"] = 16, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
            ["num_key_value_heads"] = 2, ["intermediate_size"] = 32, ["max_position_embeddings"] = 256, ["sliding_window"] = 128,
        }.ToJsonString());
        string Suite(string lengths) => $"name: t\nmodels: [zoo:mistral-a]\nstrategies: [default, {{ name: sinks, start: 4, window: 64 }}]\nlengths: {lengths}\ntasks: [perplexity]\n";

        var error = Single(Suite("[128, 256]"));
        Assert.That(error.Message, Does.Contain("\"sinks:start=4,window=64\" cannot run on model \"zoo:mistral-a\"").And.Contain("sliding_window is 128, shorter than length 256"));
        Assert.That(Load(Suite("[64, 128]")).Errors, Is.Empty, "a window covering every length hides nothing");
    }

    [Test]
    public void Load_ValidSuite_ExpandsToModelStrategyLengthTaskCases()
    {
        var result = Load(Valid);
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var cases = MatrixExpander.Expand(result.Suite!, m => "fp-" + m.Reference);
        Assert.That(cases, Has.Count.EqualTo((2 * 3 * 2) + (1 * 3 * 2)));
        Assert.That(cases.Select(c => c.Hash).Distinct().Count(), Is.EqualTo(cases.Count));
        Assert.That(cases.Select(c => c.ContextLength).Distinct(), Is.EquivalentTo(new[] { 256, 512, 1024 }));
        Assert.That(cases[0].DisplayName, Is.EqualTo("rope-a | default | 256 | perplexity"));
        Assert.That(cases.TakeWhile(c => c.Model.Reference == "zoo:rope-a").Count(), Is.EqualTo(12), "a model's cases are contiguous");
    }

    [Test]
    public void Load_CarriedStrategy_BecomesEachModelsOwnRopeScalingOrItsNativeStrategy()
    {
        var result = Load("""
            name: t
            models:
              - zoo:llama3-a
              - zoo:rope-a
              - { path: "zoo:alibi-a", strategies: [carried] }
            strategies: [carried, default, "yarn:factor=2"]
            lengths: [256]
            tasks:
              - perplexity: {}
            """);
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var byModel = result.Suite!.Models.ToDictionary(m => m.Reference, m => m.Strategies.Select(s => s.ToString()).ToArray());
        Assert.That(byModel["zoo:llama3-a"], Is.EqualTo(new[] { "llama3:factor=8,high_freq_factor=4,low_freq_factor=1", "default", "yarn:factor=2" }));
        Assert.That(byModel["zoo:rope-a"], Is.EqualTo(new[] { "default", "yarn:factor=2" }), "no rope_scaling: carried is plain RoPE, listed once");
        Assert.That(byModel["zoo:alibi-a"], Is.EqualTo(new[] { "alibi" }));
        Assert.That(Single(Valid.Replace("  - default\n", "  - carried:factor=2\n")).Message, Does.Contain("takes no parameters"));
        Assert.That(Single(Valid.Replace("  - default\n", "  - carryed\n")).Message, Does.Contain("Unknown strategy \"carryed\"").And.Contain("suites also accept \"carried\""));
        Assert.That(Single(Valid.Replace("  - default\n", "  - carried\n  - carried\n")).Message, Does.Contain("\"carried\" is listed twice"));
    }

    [Test]
    public void Hash_SameInputs_Stable_AnyChange_Differs()
    {
        var suite = Load(Valid).Suite!;
        var a = MatrixExpander.Expand(suite, _ => "x").Select(c => c.Hash).ToList();
        Assert.That(MatrixExpander.Expand(suite, _ => "x").Select(c => c.Hash), Is.EqualTo(a));
        Assert.That(MatrixExpander.Expand(suite, _ => "y").Select(c => c.Hash).Intersect(a), Is.Empty, "weights changed");
        Assert.That(MatrixExpander.Expand(suite with { Seed = 99 }, _ => "x").Select(c => c.Hash).Intersect(a), Is.Empty, "seed changed");
        Assert.That(MatrixExpander.Expand(suite, _ => "x", HarnessVersion.Current + ".1").Select(c => c.Hash).Intersect(a), Is.Empty, "harness version changed");
        var otherTask = Load(Valid.Replace("trials: 2", "trials: 3")).Suite!;
        Assert.That(MatrixExpander.Expand(otherTask, _ => "x").Where(c => c.Task == "passkey").Select(c => c.Hash).Intersect(a), Is.Empty);
    }

    [Test]
    public void Load_MinContextNotBelowEveryLength_IsAnErrorAtItsLineNamingTaskAndField()
    {
        // multiples [1, 2, 4] of 256: min_context 256 leaves no token to score at 256.
        var error = Single(Valid.Replace("perplexity: { protocol: chunks }", "perplexity: { protocol: chunks, min_context: 256 }"));
        Assert.That(error.Message, Does.Contain("Task \"perplexity\": min_context=256 needs every length above 256, and length 256 is not"));
        Assert.That(error.Line, Is.EqualTo(10), "the min_context value's line");
        Assert.That(Load(Valid.Replace("perplexity: { protocol: chunks }", "perplexity: { protocol: chunks, min_context: 255 }")).Errors, Is.Empty);
    }

    [Test]
    public void Expand_MinContext_GivesOtherHashes_SoFiguresOfDifferentMNeverCompareAsEqual()
    {
        var plain = MatrixExpander.Expand(Load(Valid).Suite!, _ => "x").Where(c => c.Task == "perplexity").Select(c => c.Hash).ToList();
        var m128 = MatrixExpander.Expand(Load(Valid.Replace("protocol: chunks }", "protocol: chunks, min_context: 128 }")).Suite!, _ => "x")
            .Where(c => c.Task == "perplexity").Select(c => c.Hash).ToList();
        var m0 = MatrixExpander.Expand(Load(Valid.Replace("protocol: chunks }", "protocol: chunks, min_context: 0 }")).Suite!, _ => "x")
            .Where(c => c.Task == "perplexity").Select(c => c.Hash).ToList();
        Assert.That(m128.Intersect(plain), Is.Empty);
        Assert.That(m0, Is.EqualTo(plain), "M = 0 is the protocol without the option");
    }

    [Test]
    public void Expand_SameDocuments_ChoosesDocumentsByEachModelsLongestLength()
    {
        var suite = Load(Valid.Replace("protocol: chunks }", "protocol: chunks, same_documents: true }")).Suite!;
        var perplexity = MatrixExpander.Expand(suite, _ => "x").Where(c => c.Task == "perplexity").ToList();
        // multiples [1, 2, 4] of a trained length of 256: the longest is 1024 for every length.
        Assert.That(perplexity.Select(c => c.TaskParameters).Distinct(), Is.EqualTo(new[] { "batch=8,buckets=64,corpus=bundled,document_length=1024,documents=4,protocol=chunks,windows=8" }));
        Assert.That(perplexity.All(c => c.Definition.Parameters["document_length"] == "1024" && !c.Definition.Parameters.ContainsKey("same_documents")), Is.True,
            "the runner creates the task from the resolved definition");
    }

    [Test]
    public void Shards_PartitionTheCases()
    {
        var cases = MatrixExpander.Expand(Load(Valid).Suite!, _ => "x");
        var shards = Enumerable.Range(1, 3).Select(i => cases.Where(new ShardSpec(i, 3).Contains).Select(c => c.Hash).ToList()).ToList();
        Assert.That(shards.SelectMany(s => s), Is.EquivalentTo(cases.Select(c => c.Hash)));
        Assert.That(shards.Sum(s => s.Count), Is.EqualTo(cases.Count));
    }

    [Test]
    public void ShardSpec_OneOfOne_IsTheWholeSuite() => Assert.That(ShardSpec.Parse("1/1"), Is.EqualTo(new ShardSpec(1, 1)));

    [TestCase("zoo:rope-a", "/z/rope-a", null, "rope-a", 256)]
    [TestCase("tune:pi-ft", "/t/pi-ft", 512, "pi-ft", 512)]
    [TestCase("/models/llama-2-7b/", "/models/llama-2-7b/", null, "llama-2-7b", 256)]
    public void SuiteModel_DisplayNameAndTrainedLength(string reference, string directory, int? trainedLength, string name, int effective)
    {
        var model = new SuiteModel(reference, directory, "float32", trainedLength, 256, "rope", []);
        Assert.That((model.DisplayName, model.EffectiveTrainedLength), Is.EqualTo((name, effective)), "a suite's trained_length overrides the config's");
    }

    [TestCase("0/2")]
    [TestCase("3/2")]
    [TestCase("a/b")]
    [TestCase("1")]
    public void ShardSpec_Invalid_IsRejected(string text) =>
        Assert.That(Assert.Throws<FormatException>(() => ShardSpec.Parse(text))!.Message, Does.Contain("Expected i/n"));

    [TestCase("models:\n  - zoo:rope-a\n  strategies: [default", 3, "YAML syntax error")]
    [TestCase("name: t\nmodel: [zoo:rope-a]\n", 2, "Unknown suite key \"model\". Valid keys: name, seed, seeds, device")]
    public void Load_BrokenFile_ReportsPosition(string text, int line, string expected)
    {
        var errors = Load(text).Errors;
        Assert.That(errors.Any(e => e.Line == line && e.Message.Contains(expected)), Is.True, string.Join("\n", errors));
    }

    [TestCase("  - { name: yarn, factor: auto }", "  - yarnn:factor=2", 7, 5, "Unknown strategy \"yarnn\"", "Did you mean \"yarn\"?")]
    [TestCase("  - { name: yarn, factor: auto }", "  - pi:factor=0.5", 7, 5, "factor=0.5 is not valid", "number >= 1 or auto")]
    [TestCase("  - zoo:rope-a", "  - zoo:rope-b", 3, 5, "Model \"zoo:rope-b\": directory", "Did you mean \"zoo:rope-a\"?")]
    [TestCase("  - zoo:rope-a", "  - /no/such/model", 3, 5, "directory /no/such/model not found", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [256, 512, 256]", 8, 21, "lengths entry 256 is listed twice", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [1, 256]", 8, 11, "lengths entry \"1\" is not valid", ">= 2")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [256, 99999999999]", 8, 16, "lengths entry \"99999999999\" is not valid", "<= 1048576 (the ceiling MaxLength")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [256, Infinity]", 8, 16, "lengths entry \"Infinity\" is not valid", "<= 1048576")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [256, .inf]", 8, 16, "lengths entry \".inf\" is not valid", "<= 1048576")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [256, NaN]", 8, 16, "lengths entry \"NaN\" is not valid", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [1000000000]", 8, 11, "lengths entry \"1000000000\" is not valid", "MaxLength")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: { multiples: [1, Infinity] }", 8, 27, "multiples entry \"Infinity\" is not valid", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: { multiples: [1, 1e12] }", 8, 10, "above the ceiling of 1048576 tokens (MaxLength)", "")]
    [TestCase("name: t", "name: t\ndevice: gpu", 2, 9, "device \"gpu\" is not valid. Valid: cpu, cuda", "")]
    [TestCase("  - passkey: { depths: [0, 0.5, 1], trials: 2 }", "  - passkey: { depths: [0, 0.5, 1], trials: 2 }\n  - passkee", 12, 5, "Unknown task \"passkee\"", "Did you mean \"passkey\"?")]
    [TestCase("trials: 2", "trials: many", 11, 5, "trials=many is not valid", "")]
    [TestCase("  - { path: \"zoo:alibi-a\", strategies: [alibi] }", "  - zoo:alibi-a", 4, 5, "cannot run on model \"zoo:alibi-a\", which was trained with alibi", "strategies: [alibi]")]
    [TestCase("  - { path: \"zoo:alibi-a\", strategies: [alibi] }", "  - { path: \"zoo:rope-a\", strategies: [alibi] }", 4, 5, "", "")]
    [TestCase("name: t", "name: t\nlimits: { case_seconds: -5 }", 2, 25, "case_seconds \"-5\" is not valid", "")]
    [TestCase("name: t", "name: t\nlimits: { case_seconds: 0 }", 2, 25, "case_seconds \"0\" is not valid", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: { multiples: [0, 1] }", 8, 24, "multiples entry \"0\" is not valid: it must be a number > 0", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: [1048577]", 8, 11, "lengths entry \"1048577\" is not valid: it must be a number >= 2 and <= 1048576", "")]
    [TestCase("lengths: { multiples: [1, 2, 4] }", "lengths: { multiples: [0.001] }", 8, 10, "Length 0 for model zoo:rope-a is below 2.", "")]
    [TestCase("name: t", "name: t\nseed: lots", 2, 7, "\"seed\" is \"lots\": expected a whole number", "")]
    [TestCase("  - default\n", "  - default\n  - none\n", 7, 5, "Strategy \"default\" is listed twice", "")]
    public void Load_OneMistake_ReportsItWhereItIs(string from, string to, int line, int column, string expected, string hint)
    {
        Assert.That(Valid, Does.Contain(from), "test setup");
        var result = Load(Valid.Replace(from, to));
        Assert.That(result.Suite, Is.Null);
        var error = result.Errors.First();
        Assert.That(error.ToString(), Does.StartWith($"{Path.Combine(root, "suites", "s.yaml")}:{line}:{column}: "), string.Join("\n", result.Errors));
        Assert.That(error.Message, Does.Contain(expected).And.Contain(hint));
    }

    [TestCase("lengths: [2, 1048576]")]
    [TestCase("lengths: { multiples: [0.5, 4096] }")]
    public void Load_LengthsAtTheBounds_AreAccepted(string lengths)
    {
        var result = Load(Valid.Replace("lengths: { multiples: [1, 2, 4] }", lengths));
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
    }

    [Test]
    public void Load_SeveralMistakes_ReportsThemAllAtOnce()
    {
        var result = Load(Valid.Replace("  - default", "  - defualt").Replace("trials: 2", "trials: x").Replace("name: t", "name: t\ndtype: fp8"));
        Assert.That(result.Errors, Has.Count.EqualTo(3), string.Join("\n", result.Errors));
    }

    [Test]
    public void Load_ThousandsOfBadEntries_ListsTheFirstHundredThenCountsTheRest()
    {
        var result = Load(Valid.Replace("lengths: { multiples: [1, 2, 4] }", "lengths: [" + string.Join(", ", Enumerable.Repeat("x", 5000)) + "]"));
        Assert.That(result.Errors, Has.Count.EqualTo(SuiteLoader.MaxReportedErrors + 1));
        Assert.That(result.Errors[^1].Message, Does.StartWith("... and 4900 more errors"));
    }

    [Test]
    public void Load_HundredThousandLengthsWithOneRepeat_ReportsExactlyThatRepeat()
    {
        // A hash set finds the one repeat among 100,000 entries (the quadratic check took 7 s here, the set 0.6 s: a
        // figure for the note, not a timed assertion, which would fail on a loaded machine).
        var result = Load(Valid.Replace("lengths: { multiples: [1, 2, 4] }", "lengths: [" + string.Join(",", Enumerable.Range(2, 100_000)) + ", 77]"));
        Assert.That(result.Errors.Select(e => e.Message), Is.EqualTo(new[] { "lengths entry 77 is listed twice." }));
    }

    [Test]
    public void Load_TaskWithSeveralBadParameters_ReportsEachAtTheTask()
    {
        var result = Load(Valid.Replace("trials: 2", "trials: 0, digits: 99, max_new_tokens: x"));
        var messages = result.Errors.Select(e => e.Message).ToList();
        Assert.That(messages, Has.Some.Contain("trials=0").And.Some.Contain("digits=99").And.Some.Contain("max_new_tokens=x"), string.Join("\n", result.Errors));
        Assert.That(result.Errors.Select(e => e.Line).Distinct().Single(), Is.EqualTo(11));
    }

    [TestCase("/no/such/dir", "no such file or folder")]
    [TestCase("EMPTY", "has no .txt or .txt.gz documents")]
    [TestCase("BAD", "is not a supported document file")]
    public void Load_UnreadableCorpus_FailsValidationAtItsLine(string corpus, string expected)
    {
        string empty = Directory.CreateDirectory(Path.Combine(root, "empty-corpus")).FullName;
        string bad = Path.Combine(root, "corpus.pdf");
        File.WriteAllText(bad, "%PDF");
        corpus = corpus switch { "EMPTY" => empty, "BAD" => bad, _ => corpus };
        var result = Load(Valid.Replace("tasks:\n", $"tasks:\n  - perplexity: {{ corpus: \"{corpus}\" }}\n"));
        var error = result.Errors.Single();
        Assert.That(error.Message, Does.Contain(corpus).And.Contain(expected));
        Assert.That(error.Line, Is.EqualTo(10));
    }

    [Test]
    public void Load_ExistingCorpus_Validates()
    {
        string folder = Directory.CreateDirectory(Path.Combine(root, "corpus")).FullName;
        File.WriteAllText(Path.Combine(folder, "a.txt"), "text");
        Assert.That(Load(Valid.Replace("tasks:\n", $"tasks:\n  - perplexity: {{ corpus: \"{folder}\" }}\n")).Errors, Is.Empty);
    }

    [Test]
    public void Load_MissingSections_NamesEach()
    {
        var result = Load("name: t\n");
        Assert.That(result.Errors.Select(e => e.Message), Is.SupersetOf(new[]
        {
            "Missing required key \"strategies\".", "Missing required key \"models\".", "Missing required key \"lengths\".", "Missing required key \"tasks\".",
        }));
    }

    [Test]
    public void Load_UnclosedFlowSequence_ReportsSyntaxErrorInsteadOfThrowing()
    {
        var result = Load("lengths: [1, 2\ntasks: [perplexity]\n");
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Errors.Single().Message, Does.Contain("YAML syntax error").And.Contain("unclosed"));
    }

    [Test]
    public void Load_SecondYamlDocument_IsAnError()
    {
        var result = Load("name: a\n---\nname: b\n");
        Assert.That(result.Errors.Select(e => e.Message), Has.Some.Contain("one YAML document"));
    }

    [Test]
    public void Load_FileLargerThanCeiling_ReportsSizeWithoutReadingItAll()
    {
        string path = Path.Combine(root, "suites", "big.yaml");
        File.WriteAllText(path, "# " + new string('x', SuiteLoader.MaxFileChars));
        var result = SuiteLoader.Load(path);
        Assert.That(result.Errors.Single().Message, Does.Contain("larger than the 1 MiB"));
    }

    [Test]
    public void Load_UnreadableFile_ReportsItAsAnError()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName == "root") Assert.Ignore("needs a non-root Linux user: root reads files whatever their mode");
        string path = Path.Combine(root, "suites", "locked.yaml");
        File.WriteAllText(path, "name: s\n");
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(path, UnixFileMode.None);
        var result = SuiteLoader.Load(path);
        Assert.That(result.Errors.Single().Message, Does.Contain("cannot be read"));
    }
}

/// <summary>keyppl in a suite (#31): its corpus must be a long-range .jsonl.</summary>
public class KeyPerplexitySuiteLoaderTests
{
    [Test]
    public void Load_KeypplWithATextCorpus_IsAnErrorSayingWhatItNeeds()
    {
        string dir = Path.Combine(Path.GetTempPath(), "keyppl-suite", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "doc.txt"), "text");
            File.WriteAllText(Path.Combine(dir, "s.yaml"), $"""
                name: t
                models: ["{dir}/missing-model"]
                strategies: [default]
                lengths: [256]
                tasks:
                  - keyppl: {"{"} corpus: {dir}/doc.txt {"}"}
                """);
            var errors = SuiteLoader.Load(Path.Combine(dir, "s.yaml")).Errors.Select(e => e.Message).ToList();
            Assert.That(errors, Has.Some.Contain("is not a long-range .jsonl file"), string.Join("\n", errors));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

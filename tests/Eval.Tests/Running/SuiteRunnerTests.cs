using Eval.Core.Running;
using Eval.Cli.Running;
using Eval.Core.Models;
using Eval.Core.Results;
using Eval.Core.Suites;
using Eval.Storage;
using Eval.Tests.Fakes;

namespace Eval.Tests.Running;

/// <summary>
/// The runner through its model-loading seam, with fake models: resume, fail-soft, sharding and time limits need no
/// checkpoint and no libtorch.
/// </summary>
public class SuiteRunnerTests
{
    string root = "";

    /// <summary>Fake models by reference; a model named in <see cref="Broken"/> fails to load; <see cref="Delay"/> slows generation.</summary>
    sealed class FakeModelSource : IModelSource
    {
        public HashSet<string> Broken { get; } = [];
        public TimeSpan Delay { get; init; }
        /// <summary>Errors the first generations throw, one each, before generation works.</summary>
        public Queue<string> Errors { get; } = new();
        public List<string> Loaded { get; } = [];
        public int Fingerprints { get; private set; }

        public string Fingerprint(SuiteModel model) { Fingerprints++; return "fake-" + model.DisplayName; }

        public ILanguageModel Load(SuiteModel model, string device, Action<string> log, CancellationToken cancel)
        {
            Loaded.Add(model.DisplayName);
            if (Broken.Contains(model.DisplayName)) throw new IOException($"{model.DisplayName}: weights truncated");
            var fake = new FakeLanguageModel();
            if (Delay > TimeSpan.Zero) fake.Answer = text => { Thread.Sleep(Delay); return FakeLanguageModel.KeyIn(text) + "."; };
            if (Errors.Count > 0) fake.Answer = text => Errors.TryDequeue(out string? error) ? throw new InvalidOperationException(error) : FakeLanguageModel.KeyIn(text) + ".";
            return fake;
        }
    }

    sealed class SilentReporter : IRunReporter
    {
        public void RunStarted(string runId, int total, int pending) { }
        public void Message(string text) { }
        public void CaseStarted(EvalCase evalCase, int index, int total) { }
        public void CaseProgress(double fraction) { }
        public void CaseFinished(EvalCase evalCase, CaseResult result, string headline) { }
    }

    [SetUp]
    public void CreateZoo() => root = TempZoo.Create("runner-tests", ("a", "rope"), ("b", "rope"));

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    Suite Suite(string limits = "")
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, $"name: s\n{limits}models: [zoo:a, zoo:b]\nstrategies: [default, \"linear:factor=2\"]\nlengths: [128, 256]\ntasks: [{{ passkey: {{ trials: 2 }} }}]\n");
        var loaded = SuiteLoader.Load(path);
        Assert.That(loaded.Errors, Is.Empty, string.Join("\n", loaded.Errors));
        return loaded.Suite!;
    }

    static SuiteRunner Runner(ResultStore store, IModelSource models) => new(store, new SilentReporter(), models,
        (suite, options) => new Provenance("test", null, "host", "os", "cpu", null, "none", "none", suite.Device, suite.DType, options.Shard?.ToString(), "test"));

    ResultStore Store() => ResultStore.Open(Path.Combine(root, "eval.db"));

    [Test]
    public void Run_Twice_SecondRunReusesEveryCaseAndLoadsNoModel()
    {
        var models = new FakeModelSource();
        using var store = Store();
        var first = Runner(store, models).Run(Suite(), new RunOptions(), CancellationToken.None);
        var second = Runner(store, models).Run(Suite(), new RunOptions(), CancellationToken.None);

        Assert.That((first.Computed, first.Reused, first.Failed), Is.EqualTo((8, 0, 0)));
        Assert.That((second.Computed, second.Reused, second.Failed), Is.EqualTo((0, 8, 0)));
        Assert.That(models.Loaded, Is.EqualTo(new[] { "a", "b" }), "each model loads once, and not at all when everything is stored");
        Assert.That(store.LoadCases(second.RunId).Select(c => c.ModelFingerprint).Distinct(), Is.EquivalentTo(new[] { "fake-a", "fake-b" }));
    }

    [Test]
    public void Run_ModelFailsToLoad_FailsItsCasesWithTheReasonAndRunsTheRest()
    {
        var models = new FakeModelSource();
        models.Broken.Add("a");
        using var store = Store();
        var summary = Runner(store, models).Run(Suite(), new RunOptions(), CancellationToken.None);

        Assert.That((summary.Computed, summary.Failed), Is.EqualTo((4, 4)));
        var failed = store.LoadCases(summary.RunId).Where(c => c.Status == CaseStatus.Failed).ToList();
        Assert.That(failed.Select(c => c.Model).Distinct(), Is.EqualTo(new[] { "zoo:a" }));
        Assert.That(failed.Select(c => c.Error), Is.All.EqualTo("model failed to load: a: weights truncated"));
    }

    [TestCase("Unknown scalar type", 0)]
    [TestCase("Expected false to be true, but got false. Exception raised from toFloat at /pytorch/c10/core/Scalar.h:140", 0)]
    [TestCase("some other failure", 1)]
    public void Run_LibTorchScalarRace_IsComputedOnceMore_OtherFailuresAreStored(string error, int failed)
    {
        // TorchSharp's temporary-Scalar race fails a case for no reason of its own: that case is computed again.
        var models = new FakeModelSource();
        models.Errors.Enqueue(error);
        using var store = Store();
        var summary = Runner(store, models).Run(Suite(), new RunOptions(), CancellationToken.None);
        Assert.That((summary.Computed, summary.Failed), Is.EqualTo((8 - failed, failed)));
        Assert.That(store.LoadCases(summary.RunId).Where(c => c.Status == CaseStatus.Failed).Select(c => c.Error),
            failed == 0 ? Is.Empty : Has.All.Contain(error));
    }

    [Test]
    public void Run_ModelFailsToLoadWithTheScalarRace_FailsItsCasesWithThatReason()
    {
        // The retry is of a computed case: a model that did not load (a tuning hit by the race) keeps its own reason.
        using var store = Store();
        var summary = Runner(store, new ThrowingSource("Unknown scalar type")).Run(Suite(), new RunOptions(), CancellationToken.None);
        Assert.That(summary.Failed, Is.EqualTo(8));
        Assert.That(store.LoadCases(summary.RunId).Select(c => c.Error), Is.All.EqualTo("model failed to load: Unknown scalar type"));
    }

    sealed class ThrowingSource(string error) : IModelSource
    {
        public string Fingerprint(SuiteModel model) => "fake-" + model.DisplayName;
        public ILanguageModel Load(SuiteModel model, string device, Action<string> log, CancellationToken cancel) => throw new InvalidOperationException(error);
    }

    [Test]
    public void Run_TwoShards_TogetherComputeEveryCaseOnce()
    {
        var models = new FakeModelSource();
        using var store = Store();
        var one = Runner(store, models).Run(Suite(), new RunOptions(Shard: ShardSpec.Parse("1/2")), CancellationToken.None);
        var two = Runner(store, models).Run(Suite(), new RunOptions(Shard: ShardSpec.Parse("2/2")), CancellationToken.None);

        var hashes = store.LoadCases(one.RunId).Concat(store.LoadCases(two.RunId)).Select(c => c.CaseHash).ToList();
        Assert.That(one.Computed, Is.GreaterThan(0));
        Assert.That(two.Computed, Is.GreaterThan(0));
        Assert.That(hashes, Is.Unique);
        Assert.That(hashes, Is.EquivalentTo(SuiteRunner.Cases(Suite(), models).Select(c => c.Hash)));
    }

    [Test]
    public void Run_CaseOverItsTimeLimit_FailsThatCaseAndGoesOn()
    {
        var models = new FakeModelSource { Delay = TimeSpan.FromMilliseconds(300) };
        using var store = Store();
        var summary = Runner(store, models).Run(Suite("limits: { case_seconds: 0.1 }\n"), new RunOptions(), CancellationToken.None);

        var cases = store.LoadCases(summary.RunId);
        Assert.That(cases, Has.Count.EqualTo(8), "every case is stored, none skipped");
        Assert.That(cases.Select(c => c.Error), Is.All.EqualTo("time limit of 0.1 s exceeded"));
    }

    [Test]
    public void Cases_FingerprintEachModelOnce()
    {
        var models = new FakeModelSource();
        SuiteRunner.Cases(Suite(), models);

        Assert.That(models.Fingerprints, Is.EqualTo(2));
    }

    [Test]
    public void Run_TunedModelTooLargeToTrain_FailsOnlyItsCasesWithTheEstimate()
    {
        TempZoo.AddWideVocabulary(root, "wide");
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, "name: s\nmodels: [zoo:a, { tune: { from: zoo:wide, strategy: default, length: 1048576, steps: 1, batch: 1 }, name: wide-1m }]\n" +
            "strategies: [default]\nlengths: [128]\ntasks: [{ passkey: { trials: 2 } }]\n");
        var loaded = SuiteLoader.Load(path);
        Assert.That(loaded.Errors, Is.Empty, "run does not refuse the whole suite: " + string.Join("\n", loaded.Errors));
        var models = new FakeModelSource();
        using var store = Store();

        var summary = Runner(store, models).Run(loaded.Suite!, new RunOptions(), CancellationToken.None);

        Assert.That((summary.Computed, summary.Failed), Is.EqualTo((1, 1)));
        Assert.That(models.Loaded, Is.EqualTo(new[] { "a" }), "the tuned model is neither trained nor loaded");
        var failed = store.LoadCases(summary.RunId).Single(c => c.Status == CaseStatus.Failed);
        Assert.That(failed.Model, Is.EqualTo("tune:wide-1m"));
        Assert.That(failed.Error, Does.StartWith("model not tuned: Tuning tune:wide-1m needs an estimated").And.Contain("but this machine allows"));
    }
}

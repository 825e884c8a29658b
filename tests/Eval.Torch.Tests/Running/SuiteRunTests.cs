using Eval.Core.Running;
using Eval.Core.Results;
using Eval.Cli;
using Eval.Cli.Running;
using Eval.Core.Suites;
using Eval.Storage;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Running;

/// <summary>A temporary zoo with one tiny random checkpoint, a small corpus and a suite over them.</summary>
public abstract class TinySuiteTests
{
    protected string root = "";
    protected string suitePath = "";

    const string Suite = """
        name: tiny
        seed: 3
        models:
          - zoo:tiny
        strategies:
          - default
          - yarn:factor=auto
          - longrope:short_factor=1|1,long_factor=2|2
        lengths: [128, 192]
        tasks:
          - perplexity: { protocol: chunks, documents: 1, windows: 2, corpus: CORPUS }
          - passkey: { depths: [0, 1], trials: 1, max_new_tokens: 3 }
        """;

    [SetUp]
    public void CreateZooAndSuite()
    {
        root = TinyCheckpoint.TempDirectory();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 32));
        TinyCheckpoint.Write(model, Path.Combine(root, "suites", "zoo", "tiny"));
        string corpus = Path.Combine(root, "corpus");
        Directory.CreateDirectory(corpus);
        File.WriteAllText(Path.Combine(corpus, "doc.txt"), string.Join(" ", Enumerable.Range(0, 400).Select(i => $"word{i % 37} and more text.")));
        suitePath = Path.Combine(root, "suites", "tiny.yaml");
        File.WriteAllText(suitePath, Suite.Replace("CORPUS", corpus));
    }

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    protected static (int Exit, string Out, string Err) Eval(params string[] args) => global::Eval.Tests.Cli.CliRunner.Run(args);

    protected string Db(string name = "eval.db") => Path.Combine(root, "results", name);
}

/// <summary>`eval run` end to end on a tiny random checkpoint in a temporary zoo: storage, resume, fail-soft, shards.</summary>
public class SuiteRunTests : TinySuiteTests
{
    [TestCase("INT")]
    [TestCase("TERM")]
    public void Run_SignalledMidRun_FinishesTheCaseInFlightMarksTheRunInterruptedAndExits1(string signal)
    {
        // A real `eval` process (signals reach it as they do from a terminal or a scheduler), signalled after its
        // first case finished: it stores what finished, marks the run interrupted and says so. Perplexity slides with
        // stride 1 here, so the other 11 cases take seconds and the signal always lands mid-run (with the quick
        // chunks protocol an idle machine finished all 12 cases before the signal arrived, and the test failed).
        File.WriteAllText(suitePath, File.ReadAllText(suitePath).Replace("protocol: chunks, documents: 1, windows: 2", "protocol: sliding, stride: 1, documents: 1, windows: 1500"));
        // `env --default-signal` gives the child default signal handling: a shell starts background jobs (a CI script run
        // with &) with SIGINT ignored, children inherit that, and a process that starts with SIGINT ignored rightly keeps
        // ignoring it (the Unix convention for background work), which made this test fail for INT there.
        var (exit, output, error) = ChildProcess.RunAndSignal("env", root, ["--default-signal=INT,TERM", "dotnet", Path.Combine(AppContext.BaseDirectory, "eval.dll"), "run", suitePath, "--db", Db()],
            line => line.Contains(" [1/", StringComparison.Ordinal), signal, TimeSpan.FromMinutes(3));
        Assert.That(exit, Is.EqualTo(ExitCodes.CaseFailed), output + error);
        Assert.That(output, Does.Contain("interrupted (run again to resume)"), output + error);
        Assert.That(error, Does.Contain($"SIG{signal}"));
        using var store = ResultStore.Open(Db());
        var run = store.GetRun("latest")!;
        Assert.That(run.Status, Is.EqualTo(RunStatus.Interrupted));
        Assert.That(store.LoadCases(run.Id), Has.Count.GreaterThanOrEqualTo(1), "the cases finished before the signal are stored");
        Assert.That(store.LoadCases(run.Id).Count, Is.LessThan(SuiteRunner.Cases(SuiteLoader.Load(suitePath).Suite!, ModelSources.For(Db(), false)).Count));
    }

    [Test]
    public void Run_LearnedTablePastItsRows_StoresNotApplicableWithTheReason_AndExits0()
    {
        // A learned position table has no row past L0: those cases are stored as not applicable with the reason (no crash,
        // no clamp, not a failure), while Su's hierarchical stretch computes them.
        using (var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.Learned, trainedLength: 128)))
            TinyCheckpoint.Write(model, Path.Combine(root, "suites", "zoo", "tiny-learned"));
        File.WriteAllText(suitePath, File.ReadAllText(suitePath)
            .Replace("  - zoo:tiny\n", "  - { path: \"zoo:tiny-learned\", strategies: [learned, \"hierarchical:alpha=0.4\"] }\n"));
        var (exit, output, error) = Eval("run", suitePath, "--db", Db());
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        using var store = ResultStore.Open(Db());
        var cases = store.LoadCases(store.GetRun("latest")!.Id);
        var notApplicable = cases.Where(c => c.Status == CaseStatus.NotApplicable).ToList();
        Assert.That(notApplicable.Select(c => (c.Strategy, c.ContextLength)).Distinct(), Is.EqualTo(new[] { ("learned", 192) }));
        Assert.That(notApplicable, Has.Count.EqualTo(2), "perplexity and passkey at 192");
        Assert.That(notApplicable[0].Error, Does.Contain("128 rows").And.Contain("hierarchical"));
        Assert.That(cases.Where(c => c.Status == CaseStatus.Completed).Select(c => (c.Strategy, c.ContextLength)).Distinct(),
            Is.EquivalentTo(new[] { ("learned", 128), ("hierarchical:alpha=0.4", 128), ("hierarchical:alpha=0.4", 192) }));
        Assert.That(output, Does.Contain("not applicable: The learned position table has 128 rows"));
    }

    [Test]
    public void Run_Bf16Suite_WarnsExactlyWhereTheCpuHasNoBf16Instructions()
    {
        // bf16 is slower than fp32 on a CPU without bf16 matrix instructions (README, Benchmarks): the run says so there, and only there.
        File.WriteAllText(suitePath, File.ReadAllText(suitePath).Replace("seed: 3\n", "seed: 3\ndtype: bf16\n").Replace("lengths: [128, 192]", "lengths: [128]")
            .Replace("  - yarn:factor=auto\n", "").Replace("  - longrope:short_factor=1|1,long_factor=2|2\n", ""));
        var (exit, output, error) = Eval("run", suitePath, "--db", Db());
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        Assert.That(output, Does.Contain("2 computed"));
        Assert.That(output.Contains("this CPU lists no bf16 matrix instructions"), Is.EqualTo(global::Eval.Core.Runtime.CpuFeatures.Bf16Matmul == false), output);
    }

    [Test]
    public void Run_TwiceOnTheSameDatabase_StoresEveryCaseThenDoesNoWork()
    {
        var first = Eval("run", suitePath, "--db", Db());
        using (var check = ResultStore.Open(Db()))
            Assert.That(check.LoadCases(check.ListRuns()[0].Id).Where(c => c.Status == CaseStatus.Failed).Select(c => c.DisplayName + ": " + c.Error),
                Has.All.Contain("longrope"));
        Assert.That(first.Out, Does.Contain("8 computed, 0 reused, 4 failed"), first.Out + first.Err);
        Assert.That(first.Exit, Is.EqualTo(ExitCodes.CaseFailed), "the longrope cases fail (factor lists too short for head dim 8)");
        var second = Eval("run", suitePath, "--db", Db());
        Assert.That(second.Out, Does.Contain("0 computed, 8 reused, 4 failed"), second.Out);

        using var store = ResultStore.Open(Db());
        var runs = store.ListRuns();
        Assert.That(runs, Has.Count.EqualTo(2));
        var cases = store.LoadCases(runs[0].Id);
        Assert.That(cases, Has.Count.EqualTo(12));
        Assert.That(cases.Where(c => c.Status == CaseStatus.Failed).Select(c => c.Error), Has.All.Contain("head dimension 8 needs 4"));
        var ppl = cases.First(c => c.Task == "perplexity" && c.Status == CaseStatus.Completed);
        Assert.That(ppl.Metric("ppl")!.Value, Is.GreaterThan(1));
        Assert.That(ppl.Series.Count(s => s.Series == "position_nll"), Is.GreaterThan(0));
        Assert.That(ppl.Protocol, Does.StartWith("chunks window="));
        var passkey = cases.First(c => c.Task == "passkey" && c.Status == CaseStatus.Completed);
        Assert.That(passkey.Series.Count(s => s.Series == "passkey_trial"), Is.EqualTo(2));
        Assert.That(runs[0].Provenance.LibTorchVersion, Is.Not.Empty);
        Assert.That(runs[0].Provenance.Threads, Is.EqualTo(TorchSharp.torch.get_num_threads()), "the thread count is part of where figures come from");
    }

    [Test]
    public void Run_AfterAPartialRun_ComputesOnlyTheMissingCases()
    {
        var partial = Eval("run", suitePath, "--db", Db(), "--shard", "1/2");
        int firstComputed = int.Parse(System.Text.RegularExpressions.Regex.Match(partial.Out, @"(\d+) computed").Groups[1].Value);
        int firstFailed = int.Parse(System.Text.RegularExpressions.Regex.Match(partial.Out, @"(\d+) failed").Groups[1].Value);
        var rest = Eval("run", suitePath, "--db", Db());
        Assert.That(rest.Out, Does.Contain($"{8 - firstComputed} computed, {firstComputed} reused"), rest.Out);
        Assert.That(firstComputed + firstFailed, Is.InRange(1, 11), "a shard holds part of the matrix");
    }

    [Test]
    public void Run_CancelledAfterFirstCase_IsInterruptedAndResumes()
    {
        var suite = SuiteLoader.Load(suitePath).Suite!;
        using var cancel = new CancellationTokenSource();
        using (var store = ResultStore.Open(Db()))
        {
            var summary = new SuiteRunner(store, new CancellingReporter(cancel), global::Eval.Cli.Running.ModelSources.For(Db(), retune: false), global::Eval.Cli.Running.ProvenanceCollector.ForRun).Run(suite, new RunOptions(), cancel.Token);
            Assert.That(summary.Interrupted, Is.True);
            Assert.That(store.ListRuns()[0].Status, Is.EqualTo(RunStatus.Interrupted));
            Assert.That(store.LoadCases(summary.RunId), Has.Count.EqualTo(1), "the finished case is durable");
        }
        var resumed = Eval("run", suitePath, "--db", Db());
        Assert.That(resumed.Out, Does.Contain("7 computed, 1 reused"), resumed.Out);
    }

    [Test]
    public void Run_ShardsMerged_EqualAnUnshardedRun()
    {
        Eval("run", suitePath, "--db", Db("all.db"));
        Eval("run", suitePath, "--db", Db("s1.db"), "--shard", "1/2");
        Eval("run", suitePath, "--db", Db("s2.db"), "--shard", "2/2");
        var merge = Eval("merge", Db("merged.db"), Db("s1.db"), Db("s2.db"));
        Assert.That(merge.Exit, Is.EqualTo(0), merge.Err);
        var again = Eval("merge", Db("merged.db"), Db("s1.db"), Db("s2.db"));
        Assert.That(again.Out, Does.Contain("merged 0 new runs and 0 new cases"), "merging is idempotent");

        static Dictionary<string, string> Figures(string db)
        {
            using var store = ResultStore.Open(db);
            return store.ListRuns().SelectMany(r => store.LoadCases(r.Id)).ToDictionary(c => c.CaseHash,
                c => c.Status + string.Join(";", c.Metrics.Select(m => $"{m.Name}={m.Value:R}")));
        }
        Assert.That(Figures(Db("merged.db")), Is.EquivalentTo(Figures(Db("all.db"))));
    }

    [Test]
    public void Validate_ThisSuite_CountsCases()
    {
        var (exit, output, _) = Eval("validate", suitePath);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("suite OK: 12 cases"));
    }

    [Test]
    public void Show_LatestRun_PrintsHeadlineFigures()
    {
        Eval("run", suitePath, "--db", Db());
        var (exit, output, _) = Eval("show", "latest", "--db", Db());
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("tiny").And.Contain("yarn:factor=auto").And.Contain("ppl ").And.Contain("accuracy "));
        Assert.That(Eval("runs", "--db", Db()).Out, Does.Contain("tiny").And.Contain("Completed"));
    }

    sealed class CancellingReporter(CancellationTokenSource cancel) : IRunReporter
    {
        public void RunStarted(string runId, int total, int pending) { }
        public void Message(string text) { }
        public void CaseStarted(EvalCase evalCase, int index, int total) { }
        public void CaseProgress(double fraction) { }
        public void CaseFinished(EvalCase evalCase, CaseResult result, string headline) => cancel.Cancel();
    }
}
